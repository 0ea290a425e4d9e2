namespace Portal.Engine.Tests;

using Portal.Contracts;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Redis;
using StackExchange.Redis;

/// <summary>
/// Capture from a BGSAVE's RDB file, read while Redis's forked child writes it. The test command starts Redis on this
/// machine with its directory readable, so every capture here must take that path.
/// </summary>
public sealed class RedisSaveFileSnapshotTests : RedisSnapshotTests
{
    protected override bool ReadsSaveFile => true;

    [Fact]
    public async Task PayloadsCutFromTheSaveFileAreTheServersOwnDumpBytes()
    {
        var index = await FreshDatabaseAsync();
        var db = Redis.GetDatabase(index);
        await SeedAsync(db);
        // A function library puts a FUNCTION2 record in the file, which the reader must step over.
        await db.ExecuteAsync("FUNCTION", "LOAD", "REPLACE", "#!lua name=portaltests\nredis.register_function('portal_echo', function(keys, args) return args[1] end)");
        var server = Redis.GetServers()[0];

        var (file, reason) = await RedisSaveFile.StartAsync(server, Workspace.Token);
        Assert.True(file is not null, reason);
        var cut = new Dictionary<string, byte[]>();
        using (file)
        {
            using var reader = new RdbReader(file, database => database == index);
            while (reader.TryRead(out var key))
            {
                cut[Convert.ToHexString(key.Name)] = key.Payload.ToArray();
            }
        }

        Assert.Equal(await server.DatabaseSizeAsync(index), cut.Count);
        foreach (var (name, payload) in cut)
        {
            var dump = await db.KeyDumpAsync(Convert.FromHexString(name));
            Assert.True(dump is not null && dump.AsSpan().SequenceEqual(payload), $"key {name}: the payload cut from the file differs from DUMP");
        }
    }

    [Fact]
    public async Task ConcurrentCapturesOfOneServerEachWaitForTheirOwnSave()
    {
        var indexes = new[] { await FreshDatabaseAsync(), await FreshDatabaseAsync(), await FreshDatabaseAsync() };
        foreach (var index in indexes)
        {
            await SeedAsync(Redis.GetDatabase(index));
            await Redis.GetDatabase(index).StringSetAsync("which", index);
        }

        var states = await Task.WhenAll(indexes.Select(StateAsync));

        await Task.WhenAll(indexes.Select(index => CaptureAsync($"s{index}", Spec(index))));
        foreach (var index in indexes)
        {
            await Redis.GetServers()[0].FlushDatabaseAsync(index);
            await RestoreAsync($"s{index}", Spec(index));
        }

        for (var i = 0; i < indexes.Length; i++)
        {
            AssertSame(states[i], await StateAsync(indexes[i]), $"s{indexes[i]}");
        }
    }

    [Fact]
    public async Task AUserWithoutConfigAndBgsaveRightsIsCapturedWithScanAndDump()
    {
        var index = await FreshDatabaseAsync();
        await SeedAsync(Redis.GetDatabase(index));
        var before = await StateAsync(index);
        var server = Redis.GetServers()[0];
        await server.ExecuteAsync("ACL", "SETUSER", "portal-no-admin", "reset", "on", ">secret", "~*", "&*", "+@all", "-config", "-bgsave");
        var spec = new ServiceSpec("redis", ServiceKind.Redis, $"{Server},user=portal-no-admin,password=secret,defaultDatabase={index}");

        var phases = new PhaseRecorder();
        await TimeCaptureAsync("s1", () => Ws.Engine.CaptureAsync(new CaptureRequest("s1", "env-1", [spec]), phases, Workspace.Token));
        await Redis.GetDatabase(index).KeyDeleteAsync("hash");
        await RestoreAsync("s1", spec);

        Assert.DoesNotContain("bgsave", File.ReadAllText(Ws.ManifestFile("s1")), StringComparison.Ordinal);
        Assert.Contains("Redis redis: CONFIG GET is refused", phases.Messages.Single(m => m.Contains("SCAN", StringComparison.Ordinal)), StringComparison.Ordinal);
        AssertSame(before, await StateAsync(index), "s1");
    }

    /// <summary>Records phase messages as they are reported (Progress&lt;T&gt; would post them later).</summary>
    private sealed class PhaseRecorder : IProgress<EngineProgress>
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public void Report(EngineProgress value)
        {
            lock (_messages)
            {
                if (value.Message is { } message && (_messages.Count == 0 || _messages[^1] != message))
                {
                    _messages.Add(message);
                }
            }
        }
    }
}
