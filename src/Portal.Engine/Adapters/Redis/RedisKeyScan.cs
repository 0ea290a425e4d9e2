namespace Portal.Engine.Adapters.Redis;

using System.Threading.Channels;
using StackExchange.Redis;

/// <summary>
/// Keys read over the connection with pipelined SCAN, DUMP and PTTL: works against any server Portal can reach, but the
/// server's single thread serializes every value while the shop waits behind it. SCAN runs ahead in its own loop and sends
/// each page's DUMP and PTTL commands at once, so the server dumps the next pages while this loop writes the current one.
/// Plain pipelined commands measured faster than Lua batching: a script copies every payload through Lua strings.
/// </summary>
internal static class RedisKeyScan
{
    public static async Task DumpDatabaseAsync(IDatabase db, IServer server, int index, BinaryWriter writer, CancellationToken cancellationToken)
    {
        var pages = Channel.CreateBounded<DumpBatch>(new BoundedChannelOptions(RedisAdapter.BatchesInFlight) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var scanning = ScanAsync(db, server, index, pages.Writer, stop.Token);
        try
        {
            await foreach (var page in pages.Reader.ReadAllAsync(cancellationToken))
            {
                await WriteAsync(page, index, writer);
            }
        }
        finally
        {
            await stop.CancelAsync(); // Unblocks the scan loop if this one failed while the channel was full.
            await scanning;
        }
    }

    /// <summary>Queues a dump batch per SCAN page; a failure reaches the writing loop through the channel.</summary>
    private static async Task ScanAsync(IDatabase db, IServer server, int index, ChannelWriter<DumpBatch> pages, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            var keys = new List<RedisKey>(RedisAdapter.Batch);
            await foreach (var key in server.KeysAsync(index, pageSize: RedisAdapter.Batch).WithCancellation(cancellationToken))
            {
                keys.Add(key);
                if (keys.Count == RedisAdapter.Batch)
                {
                    await pages.WriteAsync(DumpBatch.Send(db, keys), cancellationToken);
                    keys.Clear();
                }
            }

            if (keys.Count > 0)
            {
                await pages.WriteAsync(DumpBatch.Send(db, keys), cancellationToken);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            pages.TryComplete(failure);
        }
    }

    private static async Task WriteAsync(DumpBatch page, int index, BinaryWriter writer)
    {
        for (var i = 0; i < page.Keys.Length; i++)
        {
            var value = await page.Dumps[i];
            var ttl = (long)await page.Ttls[i];
            if (value is null || ttl is -2 or 0)
            {
                continue; // Deleted or expired between SCAN and DUMP, or expiring within the millisecond (RESTORE's 0 means never).
            }

            RedisRecords.Write(writer, index, page.Keys[i]!, ttl, value);
        }
    }

    /// <summary>A page of keys with its DUMP and PTTL commands, sent together in one write.</summary>
    private sealed record DumpBatch(RedisKey[] Keys, Task<byte[]?>[] Dumps, Task<RedisResult>[] Ttls)
    {
        public static DumpBatch Send(IDatabase db, List<RedisKey> keys)
        {
            var commands = db.CreateBatch();
            var dumps = keys.Select(k => commands.KeyDumpAsync(k)).ToArray();
            var ttls = keys.Select(k => commands.ExecuteAsync("PTTL", k)).ToArray();
            commands.Execute();
            return new DumpBatch([.. keys], dumps, ttls);
        }
    }
}

/// <summary>
/// The snapshot's Redis format, whichever way it was captured: a magic line, then per key its database, name, remaining
/// TTL in ms (-1: none) and DUMP payload, ended by database -1.
/// </summary>
internal static class RedisRecords
{
    public static ReadOnlySpan<byte> Magic => "PORTAL-REDIS-1\n"u8;

    public static void Write(BinaryWriter writer, int database, ReadOnlySpan<byte> key, long ttlMs, ReadOnlySpan<byte> payload)
    {
        writer.Write(database);
        writer.Write(key.Length);
        writer.Write(key);
        writer.Write(ttlMs);
        writer.Write(payload.Length);
        writer.Write(payload);
    }
}
