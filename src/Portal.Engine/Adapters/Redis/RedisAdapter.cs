namespace Portal.Engine.Adapters.Redis;

using System.Globalization;
using System.Text;
using Portal.Contracts;
using Portal.Engine.Manifests;
using Portal.Engine.Store;
using StackExchange.Redis;

/// <summary>
/// Redis keys as DUMP payloads with their remaining TTL, written back with FLUSHDB then pipelined RESTORE … REPLACE; the
/// record stream (<see cref="RedisRecords"/>) goes through the store's chunked zstd sink. Captured from the RDB file of a
/// BGSAVE where Portal reaches the server's directory (<see cref="RedisSaveFile"/>, <see cref="RdbReader"/>), with SCAN
/// and DUMP otherwise (<see cref="RedisKeyScan"/>). Restores keep several batches in flight, so the single-threaded
/// server never waits for the client. A service that declares a staging database (<see cref="RedisLocation"/>) is loaded
/// there while the other services prepare and switched in with one SWAPDB, so its keys are not loaded on the critical path.
/// </summary>
internal sealed class RedisAdapter(EngineOptions options) : IServiceAdapter
{
    private const string Databases = "databases";
    private const string Method = "method";
    private const string SaveFileMethod = "bgsave";
    /// <summary>Keys per batch, for SCAN pages and RESTORE batches alike.</summary>
    internal const int Batch = 1_000;
    // Payload bytes per restore batch, so a run of big keys is not held in memory a thousand at a time.
    private const int BatchBytes = 4 << 20;
    /// <summary>Batches sent but not yet answered: enough to cover a round trip and the client's own work on the previous batch.</summary>
    internal const int BatchesInFlight = 4;

    public ServiceKind Kind => ServiceKind.Redis;

    public async Task<string?> CheckAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        RedisLocation location;
        try
        {
            location = RedisLocation.Parse(spec);
        }
        catch (SnapshotEngineException ex)
        {
            return ex.Message;
        }

        var configuration = location.Options;
        configuration.AbortOnConnectFail = true;
        configuration.AllowAdmin = true;
        configuration.ConnectTimeout = (int)ServiceEntries.CheckConnectTimeout.TotalMilliseconds;
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
            if (location.StagingDatabase is { } staging)
            {
                return await SwapRefusedAsync(redis, spec, staging);
            }

            return null;
        }
        catch (RedisConnectionException ex)
        {
            return $"Service '{spec.Name}': cannot reach Redis at {string.Join(", ", configuration.EndPoints)}: {ex.Message}";
        }
    }

    /// <summary>
    /// Why the server will not switch the staging database in (SWAPDB unknown before Redis 4.0, renamed away, the number
    /// out of range, no answer in time), or null. Swapping a database with itself changes nothing.
    /// </summary>
    private static async Task<string?> SwapRefusedAsync(ConnectionMultiplexer redis, ServiceSpec spec, int staging)
    {
        try
        {
            await redis.GetDatabase().ExecuteAsync("SWAPDB", staging, staging);
            return null;
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException)
        {
            // A timeout too: the service check must name the problem, not throw past the health monitor.
            return $"Redis service '{spec.Name}': the server did not accept SWAPDB on stagingDatabase={staging} ({ex.Message}); remove stagingDatabase to restore without staging.";
        }
    }

    public async Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context)
    {
        await using var redis = await ConnectAsync(spec, context.CancellationToken);
        var server = redis.Connection.GetServers().Single();
        if (options.RedisMethod == RedisMethod.Auto)
        {
            var (saved, reason) = await CaptureSaveFileAsync(spec, redis, server, context);
            if (saved is not null)
            {
                return saved;
            }

            context.Progress.Phase($"Redis {spec.Name}: {reason}; reading its keys with SCAN and DUMP instead");
        }

        var databases = await DatabasesAsync(redis, server);
        context.Progress.Phase($"Dumping Redis {spec.Name}");
        using var sink = context.NewSink();
        await using (var writer = new BinaryWriter(new BufferedStream(sink, 1 << 16), Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(RedisRecords.Magic);
            foreach (var index in databases)
            {
                try
                {
                    await RedisKeyScan.DumpDatabaseAsync(redis.Connection.GetDatabase(index), server, index, writer, context.CancellationToken);
                }
                catch (RedisException ex)
                {
                    throw new SnapshotEngineException($"Redis service '{spec.Name}': dumping database {index} failed: {ex.Message}", ex);
                }
            }

            writer.Write(-1);
        }

        var properties = new Dictionary<string, string> { [Databases] = string.Join(',', databases) };
        return new ManifestService(spec.Name, ServiceKind.Redis, sink.TotalLength, sink.Complete(), null, properties);
    }

    /// <summary>
    /// The keys of the configured database (or of all) cut out of a BGSAVE's RDB file as it is written, or null and why not.
    /// TTLs are counted from the server's clock when the save was asked for; keys already expired then are left out.
    /// </summary>
    private static async Task<(ManifestService? Entry, string Reason)> CaptureSaveFileAsync(ServiceSpec spec, RedisConnection redis, IServer server, EngineContext context)
    {
        RedisSaveFile? file;
        string reason;
        try
        {
            (file, reason) = await RedisSaveFile.StartAsync(server, context.CancellationToken);
        }
        catch (RedisException ex)
        {
            return (null, $"BGSAVE could not be used ({ex.Message})");
        }

        if (file is null)
        {
            return (null, reason);
        }

        context.Progress.Phase($"Saving Redis {spec.Name} (BGSAVE)");
        var seen = new SortedSet<int>();
        using var sink = context.NewSink();
        try
        {
            using (file)
            {
                await Task.Run(() => CopyKeys(file, redis.DefaultDatabase, seen, sink, context), context.CancellationToken);
            }
        }
        catch (Exception ex) when (ex is RdbNotSupportedException or InvalidDataException)
        {
            return (null, $"its RDB file cannot be used ({ex.Message})");
        }

        var databases = redis.DefaultDatabase is { } only ? [only] : seen.ToList();
        var properties = new Dictionary<string, string> { [Databases] = string.Join(',', databases), [Method] = SaveFileMethod };
        return (new ManifestService(spec.Name, ServiceKind.Redis, sink.TotalLength, sink.Complete(), null, properties), "");
    }

    private static void CopyKeys(RedisSaveFile file, int? only, SortedSet<int> seen, ObjectSink sink, EngineContext context)
    {
        using var reader = new RdbReader(file, database => only is null || database == only);
        using var writer = new BinaryWriter(new BufferedStream(sink, 1 << 16), Encoding.UTF8, leaveOpen: true);
        writer.Write(RedisRecords.Magic);
        long reported = 0;
        while (reader.TryRead(out var key))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            seen.Add(key.Database);
            var ttl = key.ExpiresAtMs < 0 ? -1 : Math.Max(key.ExpiresAtMs - file.ServerTimeMs, 0); // 0: expired when the save was asked for
            if (ttl != 0)
            {
                RedisRecords.Write(writer, key.Database, key.Name, ttl, key.Payload.Span);
            }

            context.Progress.Advance(reader.BytesRead - reported);
            reported = reader.BytesRead;
        }

        // A file saved before the capture asked (another server's file at the same path, say) must not pass for this one.
        if (reader.Aux.TryGetValue("ctime", out var ctime) && long.TryParse(ctime, CultureInfo.InvariantCulture, out var saved) && saved < (file.ServerTimeMs / 1000) - 1)
        {
            throw new InvalidDataException($"the file was saved at {ctime}, before this capture asked for it");
        }

        writer.Write(-1);
    }

    public void CheckRestorable(ManifestService entry, ServiceSpec target)
    {
        _ = ServiceEntries.RequireChunks(entry, "Redis data");
    }

    public async Task<IPreparedRestore> PrepareRestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context)
    {
        // Keys of several captured databases cannot share one staging database; they load on commit, as without one.
        if (RedisLocation.Parse(target).StagingDatabase is not { } staging || CapturedDatabases(entry).Count > 1)
        {
            return await LoadOnCommit.AfterVerifyingAsync(entry, context, commit => RestoreAsync(entry, target, commit));
        }

        var redis = await ConnectAsync(target, context.CancellationToken);
        var staged = new StagedRedis(redis, target, staging);
        try
        {
            if (await SwapRefusedAsync(redis.Connection, target, staging) is { } refused)
            {
                throw new SnapshotEngineException(refused);
            }

            context.Progress.Phase($"Loading Redis {target.Name} into its staging database {staging}");
            // Whatever an interrupted restore left there goes first; nothing else may use this database.
            await staged.ClearAsync();
            await LoadAsync(redis, entry, target, staging, context);
            return staged;
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException)
        {
            await staged.DisposeAsync();
            throw new SnapshotEngineException($"Redis service '{target.Name}': loading the keys into the staging database {staging} failed: {ex.Message}", ex);
        }
        catch
        {
            await staged.DisposeAsync();
            throw;
        }
    }

    private async Task RestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context)
    {
        await using var redis = await ConnectAsync(target, context.CancellationToken);
        var server = redis.Connection.GetServers().Single();
        var captured = CapturedDatabases(entry);
        // One database configured: restore into it even if the snapshot came from another index (another environment).
        var remap = redis.DefaultDatabase is { } only && captured.Count <= 1 ? only : (int?)null;
        var flush = remap is { } single ? [single] : captured.Union(await DatabasesAsync(redis, server)).ToList();

        context.Progress.Phase($"Restoring Redis {target.Name}");
        foreach (var index in flush)
        {
            await server.FlushDatabaseAsync(index);
        }

        await LoadAsync(redis, entry, target, remap, context);
    }

    private static List<int> CapturedDatabases(ManifestService entry) =>
        (entry.Properties?.GetValueOrDefault(Databases) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();

    /// <summary>RESTOREs every record into its own database, or all into <paramref name="remap"/>; the chunks are rehashed as read.</summary>
    private static async Task LoadAsync(RedisConnection redis, ManifestService entry, ServiceSpec target, int? remap, EngineContext context)
    {
        using var input = context.OpenChunks(entry.Chunks!, entry.Name);
        using var reader = new BinaryReader(new BufferedStream(input, 1 << 16), Encoding.UTF8);
        if (!reader.ReadBytes(RedisRecords.Magic.Length).AsSpan().SequenceEqual(RedisRecords.Magic))
        {
            throw new SnapshotCorruptException($"The snapshot's Redis data '{entry.Name}' is not in a format this engine knows.");
        }

        var batches = new Queue<Task>(BatchesInFlight);
        var batch = new RestoreBatch(remap ?? 0);
        int database;
        while ((database = reader.ReadInt32()) >= 0)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var key = reader.ReadBytes(reader.ReadInt32());
            var ttlMs = reader.ReadInt64();
            var value = reader.ReadBytes(reader.ReadInt32());
            if (batch.Database != (remap ?? database) || batch.IsFull)
            {
                await SendAsync(batch, batches, redis.Connection, target);
                batch = new RestoreBatch(remap ?? database);
            }

            context.Progress.Advance(key.Length + value.Length + 20);
            if (ttlMs == 0)
            {
                continue; // Expired as it was captured (older snapshots kept such keys); RESTORE's TTL 0 would make it permanent.
            }

            batch.Add(key, Math.Max(ttlMs, 0), value);
        }

        await SendAsync(batch, batches, redis.Connection, target);
        await RestoredAsync(Task.WhenAll(batches), target);
    }

    /// <summary>Sends one batch of RESTORE commands, first waiting for the oldest batch once the window is full.</summary>
    private static async Task SendAsync(RestoreBatch batch, Queue<Task> batches, ConnectionMultiplexer connection, ServiceSpec target)
    {
        if (batch.Records.Count == 0)
        {
            return;
        }

        if (batches.Count == BatchesInFlight)
        {
            await RestoredAsync(batches.Dequeue(), target);
        }

        var commands = connection.GetDatabase(batch.Database).CreateBatch();
        var restores = batch.Records.Select(r => commands.ExecuteAsync("RESTORE", r.Key, r.TtlMs, r.Payload, "REPLACE")).ToArray();
        commands.Execute();
        batches.Enqueue(Task.WhenAll(restores));
    }

    private static async Task RestoredAsync(Task restores, ServiceSpec target)
    {
        try
        {
            await restores;
        }
        catch (RedisException ex)
        {
            throw new SnapshotEngineException($"Redis service '{target.Name}': RESTORE failed: {ex.Message}", ex);
        }
    }

    /// <summary>The configured database, or every database that holds keys.</summary>
    private static async Task<List<int>> DatabasesAsync(RedisConnection redis, IServer server)
    {
        if (redis.DefaultDatabase is { } only)
        {
            return [only];
        }

        var keyspace = await server.InfoAsync("keyspace");
        return keyspace.SelectMany(g => g)
            .Where(p => p.Key.StartsWith("db", StringComparison.Ordinal))
            .Select(p => int.Parse(p.Key.AsSpan(2), CultureInfo.InvariantCulture))
            .Order()
            .ToList();
    }

    private static async Task<RedisConnection> ConnectAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        var options = RedisLocation.Parse(spec).Options;

        var defaultDatabase = options.DefaultDatabase;
        options.AllowAdmin = true; // FLUSHDB, INFO and SCAN are admin commands to StackExchange.Redis.
        options.AbortOnConnectFail = true;
        options.SyncTimeout = options.AsyncTimeout = 60_000;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var connection = await ConnectionMultiplexer.ConnectAsync(options);
            return new RedisConnection(connection, defaultDatabase);
        }
        catch (RedisConnectionException ex)
        {
            throw new SnapshotEngineException($"Redis service '{spec.Name}': cannot connect to {string.Join(", ", options.EndPoints)}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Keys loaded into the staging database; the commit switches it with the service's database in one SWAPDB, so the
    /// environment goes from its old keys to the snapshot's at once, and then empties the staging database (which now holds
    /// the old keys) in the background. Disposed without a commit, it empties the staging database. A kill before the swap
    /// leaves the service's database as it was; after it, the old keys wait in the staging database until the next restore.
    /// </summary>
    internal sealed class StagedRedis(RedisConnection redis, ServiceSpec target, int staging) : IPreparedRestore
    {
        private bool _committed;

        public async Task CommitAsync(EngineContext context)
        {
            var own = redis.DefaultDatabase!.Value;
            context.Progress.Phase($"Switching Redis {target.Name} to the restored keys (SWAPDB {own} {staging})");
            try
            {
                await redis.Connection.GetDatabase().ExecuteAsync("SWAPDB", own, staging);
            }
            catch (RedisException ex)
            {
                throw new SnapshotEngineException($"Redis service '{target.Name}': switching the restored keys in failed: {ex.Message}", ex);
            }

            _committed = true;
            try
            {
                await ClearAsync();
            }
            catch (Exception ex) when (ex is RedisException or RedisCommandException)
            {
                context.Warn($"Redis service '{target.Name}': the restore is complete, but the replaced keys are still in database {staging}: {ex.Message}. The next restore empties it.");
            }
        }

        /// <summary>Empties the staging database at once; ASYNC (Redis 4.0+, as SWAPDB) frees the keys in a background thread.</summary>
        public Task ClearAsync() => redis.Connection.GetDatabase(staging).ExecuteAsync("FLUSHDB", "ASYNC");

        /// <summary>Drops the connection and cleans nothing, as a kill would; for tests.</summary>
        internal ValueTask AbandonAsync()
        {
            _committed = true;
            return redis.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_committed)
                {
                    await ClearAsync();
                }
            }
            catch (Exception ex) when (ex is RedisException or RedisCommandException)
            {
                // Left for the next restore, which empties the staging database before it loads (or cannot use it at all).
            }
            finally
            {
                await redis.DisposeAsync();
            }
        }
    }

    /// <summary>Records of one database waiting to be restored, cut at a key count or a payload size.</summary>
    private sealed class RestoreBatch(int database)
    {
        private long _bytes;

        public int Database { get; } = database;

        public List<(RedisKey Key, long TtlMs, byte[] Payload)> Records { get; } = new(Batch);

        public bool IsFull => Records.Count == Batch || _bytes >= BatchBytes;

        public void Add(byte[] key, long ttlMs, byte[] payload)
        {
            Records.Add((key, ttlMs, payload));
            _bytes += key.Length + payload.Length;
        }
    }

    internal sealed class RedisConnection(ConnectionMultiplexer connection, int? defaultDatabase) : IAsyncDisposable
    {
        public ConnectionMultiplexer Connection { get; } = connection;

        public int? DefaultDatabase { get; } = defaultDatabase;

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
