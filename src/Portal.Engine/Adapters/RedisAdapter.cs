namespace Portal.Engine.Adapters;

using System.Globalization;
using System.Text;
using Portal.Engine.Manifests;
using StackExchange.Redis;

/// <summary>
/// Redis keys as DUMP payloads with their remaining TTL, read with pipelined SCAN/DUMP/PTTL and written back
/// with FLUSHDB then RESTORE … REPLACE; the record stream goes through the store's chunked zstd sink.
/// </summary>
internal sealed class RedisAdapter : IServiceAdapter
{
    private const string Databases = "databases";
    private const int Batch = 500;
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
                await DumpDatabaseAsync(redis.Connection.GetDatabase(index), server, index, writer, context.CancellationToken);
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

        var pending = new List<Task>(Batch);
        int database;
        while ((database = reader.ReadInt32()) >= 0)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var key = reader.ReadBytes(reader.ReadInt32());
            var ttlMs = reader.ReadInt64();
            var value = reader.ReadBytes(reader.ReadInt32());
            var db = redis.Connection.GetDatabase(remap ?? database);
            pending.Add(db.ExecuteAsync("RESTORE", (RedisKey)key, ttlMs > 0 ? ttlMs : 0, value, "REPLACE"));
            context.Progress.Advance(key.Length + value.Length + 20);
            if (pending.Count == Batch)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
    }

    private static async Task DumpDatabaseAsync(IDatabase db, IServer server, int index, BinaryWriter writer, CancellationToken cancellationToken)
    {
        var keys = new List<RedisKey>(Batch);
        await foreach (var key in server.KeysAsync(index, pageSize: Batch).WithCancellation(cancellationToken))
        {
            keys.Add(key);
            if (keys.Count == Batch)
            {
                await DumpBatchAsync(db, index, keys, writer);
                keys.Clear();
            }
        }

        await DumpBatchAsync(db, index, keys, writer);
    }

    /// <summary>DUMP and PTTL for a whole batch are sent before any reply is awaited, so a batch costs one round trip.</summary>
    private static async Task DumpBatchAsync(IDatabase db, int index, List<RedisKey> keys, BinaryWriter writer)
    {
        var dumps = keys.Select(k => db.KeyDumpAsync(k)).ToList();
        var ttls = keys.Select(k => db.ExecuteAsync("PTTL", k)).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            var value = await dumps[i];
            var ttl = (long)await ttls[i];
            if (value is null || ttl == -2)
            {
                continue; // Deleted or expired between SCAN and DUMP.
            }

            byte[] key = keys[i]!;
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

    private sealed class RedisConnection(ConnectionMultiplexer connection, int? defaultDatabase) : IAsyncDisposable
    {
        public ConnectionMultiplexer Connection { get; } = connection;

        public int? DefaultDatabase { get; } = defaultDatabase;

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
