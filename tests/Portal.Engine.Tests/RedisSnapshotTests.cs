namespace Portal.Engine.Tests;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Portal.Contracts;
using Portal.Engine.Adapters.Redis;
using Portal.Engine.Manifests;
using Portal.Engine.Store;
using StackExchange.Redis;

/// <summary>SCAN, DUMP and PTTL over the connection: how Redis is captured where Portal cannot read the server's RDB file.</summary>
public sealed class RedisScanSnapshotTests : RedisSnapshotTests
{
    public RedisScanSnapshotTests()
    {
        Ws.Options.RedisMethod = RedisMethod.Scan;
    }

    protected override bool ReadsSaveFile => false;
}

/// <summary>Every behaviour a Redis snapshot must have, run once per capture method.</summary>
public abstract class RedisSnapshotTests : IAsyncLifetime
{
    // Indexes 1-14 are handed out so parallel tests never share one; 15 belongs to the Infrastructure tests, 0 to people poking at the server.
    private static int s_nextDatabase;
    private readonly Workspace _ws = new(chunkSize: 64 * 1024);
    private readonly ConcurrentDictionary<string, Timeline> _timelines = new();
    private string _server = "";
    private ConnectionMultiplexer? _redis;

    /// <summary>True when captures must come from a BGSAVE's RDB file: the test server runs on this machine, its directory readable.</summary>
    protected abstract bool ReadsSaveFile { get; }

    private protected Workspace Ws => _ws;

    private protected ConnectionMultiplexer Redis => _redis!;

    protected string Server => _server;

    public async ValueTask InitializeAsync()
    {
        _server = TestServers.Require("PORTAL_TEST_REDIS");
        var options = ConfigurationOptions.Parse(_server);
        options.AllowAdmin = true;
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _ws.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task RestoreAfterChangingKeysAndTtlsGivesEveryKeyAndTtlBack()
    {
        var index = await FreshDatabaseAsync();
        var (db, before) = await SeedAndCaptureAsync(index);

        await db.StringSetAsync("string", "changed");
        await db.KeyDeleteAsync("hash");
        await db.ListRightPushAsync("list", "extra");
        await db.KeyPersistAsync("expiring");
        await db.KeyExpireAsync("string", TimeSpan.FromSeconds(5));
        await db.StringSetAsync("added", "later");
        await db.KeyDeleteAsync("bulk:17");
        Assert.NotEqual(Describe(before), Describe(await StateAsync(index)));

        await RestoreAsync("s1", Spec(index));

        AssertSame(before, await StateAsync(index), "s1");
    }

    [Fact]
    public async Task RestoreIntoAnotherDatabaseIndexGivesAnEqualCopy()
    {
        var source = await FreshDatabaseAsync();
        await SeedAsync(_redis!.GetDatabase(source));
        var captured = await StateAsync(source);
        await CaptureAsync("s1", Spec(source));
        var target = await FreshDatabaseAsync();
        await _redis.GetDatabase(target).StringSetAsync("stale", "to be flushed");

        await RestoreAsync("s1", Spec(target));

        AssertSame(captured, await StateAsync(target), "s1");
    }

    [Fact]
    public async Task AnEmptyDatabaseRestoresEmpty()
    {
        var index = await FreshDatabaseAsync();
        await CaptureAsync("empty", Spec(index));
        await SeedAsync(_redis!.GetDatabase(index));

        await _ws.RestoreAsync("empty", Spec(index));

        Assert.Equal(0, await _redis.GetServers()[0].DatabaseSizeAsync(index));
    }

    [Fact]
    public async Task KeysExpiringDuringTheCaptureAreSkippedNotAnError()
    {
        var index = await FreshDatabaseAsync();
        var db = _redis!.GetDatabase(index);
        var batch = db.CreateBatch();
        // Millisecond TTLs: some keys vanish before SCAN, some between SCAN and DUMP, some after.
        var writes = Enumerable.Range(0, 5000).Select(i => batch.StringSetAsync($"fleeting:{i}", "x", TimeSpan.FromMilliseconds(1 + (i % 40)))).ToList();
        writes.Add(batch.StringSetAsync("stays", "here"));
        batch.Execute();
        await Task.WhenAll(writes);

        await CaptureAsync("s1", Spec(index));
        await _ws.RestoreAsync("s1", Spec(index));

        Assert.Equal("here", await db.StringGetAsync("stays"));
        await foreach (var key in _redis.GetServers()[0].KeysAsync(index, "fleeting:*"))
        {
            Assert.NotEqual(-1L, (long)await db.ExecuteAsync("PTTL", key)); // an expired key must not come back forever
        }
    }

    [Fact]
    public async Task ARestoreThroughAStagingDatabaseSwitchesEveryKeyAndTtlInAndLeavesThatDatabaseEmpty()
    {
        var (index, staging, before, _) = await CapturedThenChangedAsync();

        await RestoreThroughStagingAndCheckAsync(index, staging, before);
    }

    [Fact]
    public async Task ARestoreKilledAfterStagingLeavesTheDatabaseAsItWasAndTheNextRestoreFinishes()
    {
        var (index, staging, before, changed) = await CapturedThenChangedAsync();

        var prepared = await PrepareAsync("s1", StagedSpec(index, staging));
        await prepared.AbandonAsync();

        Assert.Equal(changed, Describe(await StateAsync(index)));
        Assert.Equal(before.Keys.Count, await Redis.GetServers()[0].DatabaseSizeAsync(staging));
        await RestoreThroughStagingAndCheckAsync(index, staging, before);
    }

    [Fact]
    public async Task ACorruptObjectRefusesAStagedRestoreAndLeavesBothDatabasesAsTheyWere()
    {
        var (index, staging, _, changed) = await CapturedThenChangedAsync();
        var entry = Manifest.FromJson(File.ReadAllBytes(_ws.ManifestFile("s1")), "s1").Services.Single();
        var last = _ws.ObjectFile(entry.Chunks![^1].Hash);
        var bytes = File.ReadAllBytes(last);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(last, bytes);

        await Assert.ThrowsAnyAsync<SnapshotEngineException>(() => _ws.RestoreAsync("s1", StagedSpec(index, staging)));

        Assert.Equal(changed, Describe(await StateAsync(index)));
        Assert.Equal(0, await Redis.GetServers()[0].DatabaseSizeAsync(staging));
    }

    [Fact]
    public async Task AStagingDatabaseTheServerCannotSwapRefusesTheRestoreBeforeAnythingChanges()
    {
        var (index, _, _, changed) = await CapturedThenChangedAsync();
        var outOfRange = StagedSpec(index, 99);

        var ex = await Assert.ThrowsAnyAsync<SnapshotEngineException>(() => _ws.RestoreAsync("s1", outOfRange));

        Assert.Contains("did not accept SWAPDB on stagingDatabase=99", ex.Message, StringComparison.Ordinal);
        Assert.Equal(changed, Describe(await StateAsync(index)));
        Assert.Contains("did not accept SWAPDB on stagingDatabase=99", await new RedisAdapter(_ws.Options).CheckAsync(outOfRange, Workspace.Token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",stagingDatabase=x", "stagingDatabase must be a database number")]
    [InlineData(",stagingDatabase=3,defaultDatabase=3", "stagingDatabase must differ from defaultDatabase (3)")]
    public async Task AStagingDatabaseThatCannotWorkIsNamedByTheServiceCheck(string suffix, string problem)
    {
        var adapter = new RedisAdapter(_ws.Options);

        Assert.Contains(problem, await adapter.CheckAsync(new ServiceSpec("redis", ServiceKind.Redis, _server + suffix), Workspace.Token), StringComparison.Ordinal);
        Assert.Contains("stagingDatabase needs defaultDatabase", await adapter.CheckAsync(new ServiceSpec("redis", ServiceKind.Redis, _server + ",stagingDatabase=3"), Workspace.Token), StringComparison.Ordinal);
        Assert.Null(await adapter.CheckAsync(StagedSpec(3, 4), Workspace.Token));
    }

    /// <summary>Seeds the database and captures it as s1; returns it and its state when captured.</summary>
    private async Task<(IDatabase Db, RedisState Before)> SeedAndCaptureAsync(int index)
    {
        var db = _redis!.GetDatabase(index);
        await SeedAsync(db);
        var before = await StateAsync(index);
        await CaptureAsync("s1", Spec(index));
        return (db, before);
    }

    /// <summary>A seeded database captured as s1 and then changed, a fresh staging database, and both states of the first.</summary>
    private async Task<(int Index, int Staging, RedisState Before, string Changed)> CapturedThenChangedAsync()
    {
        var index = await FreshDatabaseAsync();
        var staging = await FreshDatabaseAsync();
        var (db, before) = await SeedAndCaptureAsync(index);
        await db.StringSetAsync("string", "changed");
        await db.KeyDeleteAsync("hash");
        await db.StringSetAsync("added", "later");
        return (index, staging, before, Describe(await StateAsync(index)));
    }

    /// <summary>Restores s1 through the staging database: the database equals what was captured, the staging database is empty.</summary>
    private async Task RestoreThroughStagingAndCheckAsync(int index, int staging, RedisState before)
    {
        await RestoreAsync("s1", StagedSpec(index, staging));
        AssertSame(before, await StateAsync(index), "s1");
        Assert.Equal(0, await Redis.GetServers()[0].DatabaseSizeAsync(staging));
    }

    private protected ServiceSpec StagedSpec(int index, int staging) => new("redis", ServiceKind.Redis, $"{_server},defaultDatabase={index},stagingDatabase={staging}");

    /// <summary>The adapter's prepare alone, as the engine runs it before any commit.</summary>
    private async Task<RedisAdapter.StagedRedis> PrepareAsync(string snapshotId, ServiceSpec target)
    {
        var entry = Manifest.FromJson(File.ReadAllBytes(_ws.ManifestFile(snapshotId)), snapshotId).Services.Single();
        var context = new EngineContext(new FileSystemObjectStore(_ws.StorePath), _ws.Options, new EngineCounters(), new ProgressTracker(Workspace.NoProgress), Workspace.Token);
        return Assert.IsType<RedisAdapter.StagedRedis>(await new RedisAdapter(_ws.Options).PrepareRestoreAsync(entry, target, context));
    }

    /// <summary>Captures and checks which method ran, so a silent fallback cannot pass for the method under test.</summary>
    private protected async Task CaptureAsync(string id, ServiceSpec spec)
    {
        await TimeCaptureAsync(id, () => _ws.CaptureAsync(id, spec));
        Assert.Equal(ReadsSaveFile, File.ReadAllText(_ws.ManifestFile(id)).Contains("bgsave", StringComparison.Ordinal));
    }

    /// <summary>Runs a capture and notes when it ran, so <see cref="AssertSame"/> knows when the snapshot's TTLs stood still.</summary>
    private protected async Task TimeCaptureAsync(string id, Func<Task> capture)
    {
        var started = Stopwatch.GetTimestamp();
        await capture();
        _timelines[id] = new Timeline(started, Stopwatch.GetTimestamp());
    }

    private protected async Task RestoreAsync(string id, ServiceSpec spec)
    {
        var started = Stopwatch.GetTimestamp();
        await _ws.RestoreAsync(id, spec);
        _timelines[id] = _timelines[id] with { RestoreStarted = started, RestoreEnded = Stopwatch.GetTimestamp() };
    }

    private protected static async Task SeedAsync(IDatabase db)
    {
        await db.StringSetAsync("string", "value ✓");
        await db.StringSetAsync(new RedisKey("binary\0key\xff"), new byte[] { 0, 1, 2, 255 });
        await db.HashSetAsync("hash", [new("a", "1"), new("b", "2")]);
        await db.ListRightPushAsync("list", ["x", "y", "z"]);
        await db.SetAddAsync("set", ["p", "q"]);
        await db.SortedSetAddAsync("zset", [new("m", 1.5), new("n", 2.5)]);
        await db.StringSetAsync("expiring", "soon", TimeSpan.FromSeconds(300));
        await db.HashSetAsync("expiring-hash", "f", "v");
        await db.KeyExpireAsync("expiring-hash", TimeSpan.FromSeconds(120));
        await db.StreamAddAsync("stream", [new("f", "1"), new("g", "2")]);
        await db.StreamAddAsync("stream", [new("f", "3")]);
        // Every encoding an RDB file can hold for these types: intset, listpacks, hash tables, skiplists, quicklists.
        await db.SetAddAsync("intset", [1, 2, 300000]);
        await db.SetAddAsync("big-set", Enumerable.Range(0, 600).Select(i => (RedisValue)$"member-{i}").ToArray());
        await db.HashSetAsync("big-hash", Enumerable.Range(0, 600).Select(i => new HashEntry($"field-{i}", i)).ToArray());
        await db.SortedSetAddAsync("big-zset", [.. Enumerable.Range(0, 200).Select(i => new SortedSetEntry($"z{i}", i / 3.0)), new("top", double.PositiveInfinity), new("bottom", double.NegativeInfinity)]);
        await db.ListRightPushAsync("big-list", Enumerable.Range(0, 5000).Select(i => (RedisValue)$"item {i} {new string('x', i % 50)}").ToArray());
        await db.StringSetAsync("number", 987654321);
        await db.StringSetAsync("12345", "a key Redis stores as an integer");
        await db.StringSetAsync("-42", "so is this one");
        await db.StringSetAsync(new string('k', 80) + ":compressed", "a long key Redis stores LZF-compressed");
        await db.ExecuteAsync("XGROUP", "CREATE", "stream", "readers", "0");
        await db.ExecuteAsync("XREADGROUP", "GROUP", "readers", "alice", "COUNT", "1", "STREAMS", "stream", ">");
        // Bigger than a restore batch's byte budget, so batches are cut by size as well as by key count.
        await db.StringSetAsync("big", Enumerable.Range(0, 5 << 20).Select(i => (byte)(i * 7 % 251)).ToArray(), TimeSpan.FromSeconds(600));
        var batch = db.CreateBatch();
        var writes = Enumerable.Range(0, 3000).Select(i => batch.StringSetAsync($"bulk:{i}", new string('v', 40) + i)).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    private protected ServiceSpec Spec(int index) => new("redis", ServiceKind.Redis, $"{_server},defaultDatabase={index}");

    private protected async Task<int> FreshDatabaseAsync()
    {
        var index = (Interlocked.Increment(ref s_nextDatabase) % 14) + 1;
        await _redis!.GetServers()[0].FlushDatabaseAsync(index);
        return index;
    }

    /// <summary>
    /// Key → (type and value in a canonical order, PTTL in ms). DUMP bytes are not compared: a restored set or hash
    /// may lay its members out in another order and still be the same value.
    /// </summary>
    private protected async Task<RedisState> StateAsync(int index)
    {
        var readStarted = Stopwatch.GetTimestamp();
        var db = _redis!.GetDatabase(index);
        var keys = new List<RedisKey>();
        await foreach (var key in _redis.GetServers()[0].KeysAsync(index, pageSize: 1000))
        {
            keys.Add(key);
        }

        var values = keys.Select(k => CanonicalValueAsync(db, k)).ToList();
        var ttls = keys.Select(k => db.ExecuteAsync("PTTL", k)).ToList();
        var state = new Dictionary<string, (string, long)>();
        for (var i = 0; i < keys.Count; i++)
        {
            state[Convert.ToHexString((byte[])keys[i]!)] = (await values[i], (long)await ttls[i]);
        }

        return new RedisState(state, readStarted, Stopwatch.GetTimestamp());
    }

    private static async Task<string> CanonicalValueAsync(IDatabase db, RedisKey key)
    {
        static string Hex(RedisValue value) => Convert.ToHexString((byte[])value!);
        static string Sorted(IEnumerable<string> items) => string.Join(",", items.Order(StringComparer.Ordinal));
        var type = await db.KeyTypeAsync(key);
        var value = type switch
        {
            RedisType.String => Hex(await db.StringGetAsync(key)),
            RedisType.List => string.Join(",", (await db.ListRangeAsync(key)).Select(Hex)),
            RedisType.Set => Sorted((await db.SetMembersAsync(key)).Select(Hex)),
            RedisType.SortedSet => string.Join(",", (await db.SortedSetRangeByRankWithScoresAsync(key)).Select(e => $"{Hex(e.Element)}={e.Score:R}")),
            RedisType.Hash => Sorted((await db.HashGetAllAsync(key)).Select(e => $"{Hex(e.Name)}={Hex(e.Value)}")),
            RedisType.Stream => string.Join(",", (await db.StreamRangeAsync(key)).Select(e => $"{e.Id}:{string.Join(";", e.Values.Select(v => $"{Hex(v.Name)}={Hex(v.Value)}"))}"))
                + string.Join(",", (await db.StreamGroupInfoAsync(key)).Select(g => $" group {g.Name} pending {g.PendingMessageCount} last {g.LastDeliveredId}")),
            _ => Convert.ToHexString((await db.KeyDumpAsync(key))!),
        };
        return $"{type}:{value}";
    }

    private protected static string Describe(RedisState state) =>
        string.Join('\n', state.Keys.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value.Value} {(p.Value.Ttl < 0 ? p.Value.Ttl : 1)}"));

    /// <summary>
    /// Same keys, values and kinds of TTL, and each remaining TTL within a second of what it was when captured. A TTL runs
    /// down while the key lives in Redis and stands still while it lives in the snapshot, so the time it may have lost
    /// between the two reads is bounded by the test's own timeline; the second is allowed on top of that window.
    /// </summary>
    private protected void AssertSame(RedisState expected, RedisState actual, string snapshotId)
    {
        Assert.Equal(Describe(expected), Describe(actual));
        var t = _timelines[snapshotId];
        Assert.True(t.RestoreEnded != 0, $"snapshot {snapshotId} was never restored");
        static long Ms(long from, long to) => (long)Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
        var leastLost = Ms(expected.ReadEnded, actual.ReadStarted) - Ms(t.CaptureStarted, t.RestoreEnded) - 1000;
        var mostLost = Ms(expected.ReadStarted, actual.ReadEnded) - Ms(t.CaptureEnded, t.RestoreStarted) + 1000;
        var text = new StringBuilder();
        foreach (var (key, (_, ttl)) in expected.Keys.Where(k => k.Value.Ttl >= 0))
        {
            var lost = ttl - actual.Keys[key].Ttl;
            if (lost < leastLost || lost > mostLost)
            {
                text.Append($"{key}: ttl {ttl} became {actual.Keys[key].Ttl}; it may lose {leastLost}..{mostLost} ms\n");
            }
        }

        Assert.True(text.Length == 0, text.ToString());
        Assert.Contains(expected.Keys.Values, v => v.Ttl > 100_000);
    }

    /// <summary>When a snapshot's capture and restore ran (Stopwatch ticks): its TTLs stood still somewhere in between.</summary>
    private sealed record Timeline(long CaptureStarted, long CaptureEnded, long RestoreStarted = 0, long RestoreEnded = 0);

    /// <summary>Key → (type and value in a canonical order, PTTL in ms), and when the keys were read (Stopwatch ticks).</summary>
    private protected sealed record RedisState(Dictionary<string, (string Value, long Ttl)> Keys, long ReadStarted, long ReadEnded);
}
