namespace Portal.Engine.Adapters;

using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Portal.Engine.Manifests;
using StackExchange.Redis;

/// <summary>
/// Redis keys as DUMP payloads with their remaining TTL, read with pipelined SCAN/DUMP/PTTL and written back
/// with FLUSHDB then RESTORE … REPLACE; the record stream goes through the store's chunked zstd sink.
/// Both directions keep several batches in flight, so the single-threaded server never waits for the client.
/// Plain pipelined commands measured faster than Lua batching: the script copies every payload through Lua strings.
/// </summary>
internal sealed class RedisAdapter : IServiceAdapter
{
    private const string Databases = "databases";
    private const int Batch = 1_000;
    // Payload bytes per restore batch, so a run of big keys is not held in memory a thousand at a time.
    private const int BatchBytes = 4 << 20;
    // Batches sent but not yet answered: enough to cover a round trip and the client's own work on the previous batch.
    private const int BatchesInFlight = 4;
    private static readonly byte[] Magic = "PORTAL-REDIS-1\n"u8.ToArray();

    public ServiceKind Kind => ServiceKind.Redis;

    public async Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context)
    {
        await using var redis = await ConnectAsync(spec, context.CancellationToken);
        var server = redis.Connection.GetServers().Single();
        var databases = await DatabasesAsync(redis, server);
        context.Progress.Phase($"Dumping Redis {spec.Name}");
        using var sink = context.NewSink();
        await using (var writer = new BinaryWriter(new BufferedStream(sink, 1 << 16), Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            foreach (var index in databases)
            {
                try
                {
                    await DumpDatabaseAsync(redis.Connection.GetDatabase(index), server, index, writer, context.CancellationToken);
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

    public void CheckRestorable(ManifestService entry, ServiceSpec target)
    {
        _ = ServiceEntries.RequireChunks(entry, "Redis data");
    }

    public Task<IPreparedRestore> PrepareRestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context) =>
        LoadOnCommit.AfterVerifyingAsync(entry, context, commit => RestoreAsync(entry, target, commit));

    private async Task RestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context)
    {
        await using var redis = await ConnectAsync(target, context.CancellationToken);
        var server = redis.Connection.GetServers().Single();
        var captured = (entry.Properties?.GetValueOrDefault(Databases) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        // One database configured: restore into it even if the snapshot came from another index (another environment).
        var remap = redis.DefaultDatabase is { } only && captured.Count <= 1 ? only : (int?)null;
        var flush = remap is { } single ? [single] : captured.Union(await DatabasesAsync(redis, server)).ToList();

        context.Progress.Phase($"Restoring Redis {target.Name}");
        foreach (var index in flush)
        {
            await server.FlushDatabaseAsync(index);
        }

        using var input = context.OpenChunks(entry.Chunks!, entry.Name);
        using var reader = new BinaryReader(new BufferedStream(input, 1 << 16), Encoding.UTF8);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
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

    /// <summary>
    /// SCAN runs ahead in its own loop and sends each page's DUMP and PTTL commands at once, so the server dumps the next
    /// pages while this loop writes (and the sink compresses) the current one.
    /// </summary>
    private static async Task DumpDatabaseAsync(IDatabase db, IServer server, int index, BinaryWriter writer, CancellationToken cancellationToken)
    {
        var pages = Channel.CreateBounded<DumpBatch>(new BoundedChannelOptions(BatchesInFlight) { SingleReader = true, SingleWriter = true });
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
            var keys = new List<RedisKey>(Batch);
            await foreach (var key in server.KeysAsync(index, pageSize: Batch).WithCancellation(cancellationToken))
            {
                keys.Add(key);
                if (keys.Count == Batch)
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

            byte[] key = page.Keys[i]!;
            writer.Write(index);
            writer.Write(key.Length);
            writer.Write(key);
            writer.Write(ttl);
            writer.Write(value.Length);
            writer.Write(value);
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
        var options = ServiceEntries.ParseLocation(spec, "Redis", ConfigurationOptions.Parse);

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

    private sealed class RedisConnection(ConnectionMultiplexer connection, int? defaultDatabase) : IAsyncDisposable
    {
        public ConnectionMultiplexer Connection { get; } = connection;

        public int? DefaultDatabase { get; } = defaultDatabase;

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
