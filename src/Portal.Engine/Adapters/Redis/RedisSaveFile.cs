namespace Portal.Engine.Adapters.Redis;

using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Portal.Engine.Store;
using StackExchange.Redis;

/// <summary>
/// A BGSAVE whose RDB file Portal reads while Redis's forked child is still writing it, where Portal reaches the server's
/// `dir`: the fork gives a point-in-time copy of every key and the server's main thread stays free for the shop.
/// </summary>
internal sealed class RedisSaveFile : ReadOnlyStream
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(20);

    // The child creates its temp file first thing after the fork, which has happened when BGSAVE answers: a save still
    // running this long without one writes somewhere else (a container's own /data that only looks like the server's).
    private static readonly TimeSpan TempFileWithin = TimeSpan.FromSeconds(10);

    private readonly SafeFileHandle _file;
    private readonly SaveWatch _watch;
    private readonly CancellationToken _cancellationToken;
    private long _offset;
    private bool _saveEnded;

    private RedisSaveFile(SafeFileHandle file, SaveWatch watch, bool saveEnded, long serverTimeMs, CancellationToken cancellationToken)
    {
        _file = file;
        _watch = watch;
        _saveEnded = saveEnded;
        ServerTimeMs = serverTimeMs;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The server's clock just before the save was asked for: remaining TTLs are counted from it.</summary>
    public long ServerTimeMs { get; }

    /// <summary>Starts a BGSAVE and opens the file it writes, or returns why this server's RDB file is out of reach.</summary>
    public static async Task<(RedisSaveFile? File, string Reason)> StartAsync(IServer server, CancellationToken cancellationToken)
    {
        string dir, fileName;
        try
        {
            var config = (await server.ConfigGetAsync("dir")).Concat(await server.ConfigGetAsync("dbfilename")).ToDictionary(p => p.Key, p => p.Value);
            (dir, fileName) = (config.GetValueOrDefault("dir") ?? "", config.GetValueOrDefault("dbfilename") ?? "");
        }
        catch (RedisServerException ex)
        {
            return (null, $"CONFIG GET is refused ({ex.Message})");
        }

        if (dir.Length == 0 || fileName.Length == 0 || !Directory.Exists(dir))
        {
            return (null, $"Portal cannot reach the server's directory {dir}");
        }

        var watch = new SaveWatch(server);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HashSet<string> stale;
            try
            {
                stale = TempFiles(dir);
            }
            catch (UnauthorizedAccessException)
            {
                return (null, $"Portal may not read the server's directory {dir}");
            }

            var serverTimeMs = await ServerTimeMsAsync(server);
            try
            {
                await server.ExecuteAsync("BGSAVE");
            }
            catch (RedisServerException ex) when (ex.Message.Contains("in progress", StringComparison.OrdinalIgnoreCase))
            {
                // Another save or an AOF rewrite runs: its file may predate this capture, so wait for it and ask again.
                await watch.WaitUntilIdleAsync(cancellationToken);
                continue;
            }
            catch (RedisServerException ex)
            {
                return (null, $"BGSAVE is refused ({ex.Message})");
            }

            return await OpenAsync(dir, fileName, stale, watch, serverTimeMs, cancellationToken);
        }
    }

    /// <summary>The child's temp-PID.rdb as soon as it appears, or the finished file if the save ended first (a small database).</summary>
    private static async Task<(RedisSaveFile? File, string Reason)> OpenAsync(
        string dir, string fileName, HashSet<string> stale, SaveWatch watch, long serverTimeMs, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var nextCheck = started + CheckEvery;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var path in TempFiles(dir).Except(stale))
            {
                try
                {
                    return (new RedisSaveFile(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), watch, false, serverTimeMs, cancellationToken), "");
                }
                catch (FileNotFoundException)
                {
                    // Renamed to its final name already: the save's end is seen below.
                }
                catch (UnauthorizedAccessException)
                {
                    return (null, $"Portal may not read the server's RDB files in {dir}");
                }
            }

            if (DateTime.UtcNow >= nextCheck)
            {
                nextCheck = DateTime.UtcNow + CheckEvery;
                switch (await watch.EndedAsync())
                {
                    case false:
                        return (null, "BGSAVE failed on the server");
                    case true when File.Exists(Path.Combine(dir, fileName)):
                        try
                        {
                            return (new RedisSaveFile(File.OpenHandle(Path.Combine(dir, fileName)), watch, true, serverTimeMs, cancellationToken), "");
                        }
                        catch (UnauthorizedAccessException)
                        {
                            return (null, $"Portal may not read the server's RDB files in {dir}");
                        }

                    case true:
                    case null when DateTime.UtcNow - started > TempFileWithin:
                        return (null, $"the server's files are not in Portal's {dir}");
                }
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    private static HashSet<string> TempFiles(string dir) => Directory.EnumerateFiles(dir, "temp-*.rdb").ToHashSet(StringComparer.Ordinal);

    private static async Task<long> ServerTimeMsAsync(IServer server)
    {
        var time = (RedisResult[])(await server.ExecuteAsync("TIME"))!;
        return (long.Parse((string)time[0]!, CultureInfo.InvariantCulture) * 1000) + (long.Parse((string)time[1]!, CultureInfo.InvariantCulture) / 1000);
    }

    /// <summary>Waits for the child to write more, until the server reports the save ended; then what is left is the end of the file.</summary>
    public override int Read(Span<byte> buffer)
    {
        var nextCheck = DateTime.UtcNow + CheckEvery;
        while (true)
        {
            var read = RandomAccess.Read(_file, buffer, _offset);
            if (read > 0 || _saveEnded)
            {
                _offset += read;
                return read;
            }

            _cancellationToken.ThrowIfCancellationRequested();
            if (DateTime.UtcNow >= nextCheck)
            {
                nextCheck = DateTime.UtcNow + CheckEvery;
                switch (_watch.EndedAsync().GetAwaiter().GetResult())
                {
                    case false:
                        throw new InvalidDataException("BGSAVE failed on the server before the file was complete");
                    case true:
                        _saveEnded = true; // What is left to read is the end of the file.
                        break;
                }

                continue;
            }

            Thread.Sleep(1);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Tells from INFO persistence whether the save BGSAVE started has ended, and how. A successful BGSAVE reply means a save
    /// is running, so the first look that finds none running sees it ended (rdb_saves would tell more, but only from Redis 7).
    /// </summary>
    private sealed class SaveWatch(IServer server)
    {
        /// <summary>Null while a save runs; otherwise whether the last one succeeded.</summary>
        public async Task<bool?> EndedAsync()
        {
            var info = await PersistenceAsync();
            return info.GetValueOrDefault("rdb_bgsave_in_progress") == "1" ? null : info.GetValueOrDefault("rdb_last_bgsave_status") == "ok";
        }

        public async Task WaitUntilIdleAsync(CancellationToken cancellationToken)
        {
            while (await PersistenceAsync() is var info
                && (info.GetValueOrDefault("rdb_bgsave_in_progress") == "1" || info.GetValueOrDefault("aof_rewrite_in_progress") == "1"))
            {
                await Task.Delay(CheckEvery, cancellationToken);
            }
        }

        private async Task<Dictionary<string, string>> PersistenceAsync() =>
            (await server.InfoAsync("persistence")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }
}
