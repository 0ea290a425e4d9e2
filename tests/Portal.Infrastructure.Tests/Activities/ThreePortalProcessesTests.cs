namespace Portal.Infrastructure.Tests.Activities;

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// Three real Portal processes on one PostgreSQL database and one S3 store (the test S3 server), each with its own data
/// folder: snapshots and restores queued through all three APIs across twenty environments each run exactly once, first in
/// first out and one at a time per environment, and a restore whose node is killed mid-way is finished by another node once
/// its lease expires, leaving the environment equal to the snapshot.
/// </summary>
public sealed class ThreePortalProcessesTests
{
    private const int Environments = 20;
    private const int PerEnvironment = 25;
    private const int BigFiles = 32;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task FiveHundredActivitiesOnThreeNodesRunOnceInOrderAndAKilledNodesRestoreIsFinishedByAnotherWithinTheLease()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bucket = new TestBucket("portal-three-nodes-");
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        var root = Directory.CreateTempSubdirectory("portal-three-nodes-").FullName;
        var nodes = new List<PortalProcess>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var shop = new ProjectDefinition { Id = "three-nodes", Title = "Three nodes", Admins = ["alice"] };
            var mounts = new List<string>();
            for (var e = 0; e < Environments; e++)
            {
                var media = Directory.CreateDirectory(Path.Combine(root, "shop", $"env-{e}", "media")).FullName;
                mounts.Add(media);
                for (var i = 0; i < 3; i++)
                {
                    await File.WriteAllTextAsync(Path.Combine(media, $"file-{i}.txt"), new string('x', 1000 + i) + e, ct);
                }

                shop.Environments.Add(new EnvironmentDefinition
                {
                    Name = $"env-{e}", Type = EnvironmentType.Development,
                    Services = [new ServiceDefinition { Name = "media", Kind = ServiceKind.Mount, Location = media }],
                });
            }

            // env-0 holds enough data that its restore is still running when its node is killed, and little enough that another node redoes it within the bound.
            for (var i = 0; i < BigFiles; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(mounts[0], $"big-{i}.bin"), RandomNumberGenerator.GetBytes(1024 * 1024), ct);
            }

            var common = new Dictionary<string, string?>(database.Settings)
            {
                ["Portal:Demo:Enabled"] = "false",
                ["Activities:PollMilliseconds"] = "200",
                ["Activities:ProgressFlushMilliseconds"] = "100",
                ["Activities:LeaseDuration"] = Lease.ToString(),
                ["Activities:LeaseRenewalInterval"] = "00:00:01",
            };
            foreach (var (key, value) in ConfigurationPairs.Projects(shop))
            {
                common[key] = value;
            }

            // Each node its own data folder: the store they share is the bucket.
            async Task<PortalProcess> NodeAsync(int n)
            {
                var node = bucket.Serve(new PortalProcess(Path.Combine(root, $"data-{n}")));
                foreach (var (key, value) in common)
                {
                    node.Settings[key] = value;
                }

                node.Settings["Activities:NodeId"] = $"node-{n}";
                await node.StartAsync(ct);
                return node;
            }

            // The first node migrates the database alone; the other two then start together.
            nodes.Add(await NodeAsync(1));
            nodes.AddRange(await Task.WhenAll(NodeAsync(2), NodeAsync(3)));
            var clients = new List<HttpClient>();
            foreach (var node in nodes)
            {
                clients.Add(await node.SignedInClientAsync("alice", ct));
            }

            var queued = new List<string>();
            // Held around each call and around the kill, so no call is in flight to the node being killed.
            using var gate = new SemaphoreSlim(1, 1);
            var dead = -1;
            async Task<JsonElement> QueueAsync(string path, string body)
            {
                await gate.WaitAsync(ct);
                try
                {
                    return await PostAsync(path, body);
                }
                finally
                {
                    gate.Release();
                }
            }

            async Task<JsonElement> PostAsync(string path, string body)
            {
                var n = queued.Count % clients.Count == dead ? (dead + 1) % clients.Count : queued.Count % clients.Count;
                var client = clients[n];
                using var response = await client.PostAsync(new Uri($"api/projects/three-nodes/environments/{path}", UriKind.Relative),
                    new StringContent(body, Encoding.UTF8, "application/json"), ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
                var activity = JsonDocument.Parse(text).RootElement.Clone();
                queued.Add(activity.GetProperty("id").GetString()!);
                return activity;
            }

            // Each environment's first snapshot, which its later restores bring back.
            var seeds = new List<string>();
            for (var e = 0; e < Environments; e++)
            {
                seeds.Add((await QueueAsync($"env-{e}/snapshots", "{}")).GetProperty("snapshot_id").GetString()!);
            }

            await WaitForAsync(() => ReadAllAsync(database, ct), a => a.Count == Environments && a.All(x => x.State == "Complete"), TimeSpan.FromSeconds(90), ct);
            var seeded = mounts.Select(DirectoryState.Capture).ToList();

            // Changed after the seed, so the first restore of each environment has something to put back.
            for (var e = 0; e < Environments; e++)
            {
                await File.WriteAllTextAsync(Path.Combine(mounts[e], "file-0.txt"), "changed", ct);
                await File.WriteAllTextAsync(Path.Combine(mounts[e], "added.txt"), "added", ct);
            }

            File.Delete(Path.Combine(mounts[0], "big-0.bin"));

            // env-0's first restore: its node is killed once the log says the restore of its data began, while the rest is still being queued.
            async Task<(Row Holder, DateTime KilledAt)> KillWhenRestoringAsync(string id)
            {
                var holder = await WaitForAsync(() => ReadAsync(database, id, ct),
                    a => a.State == "InProgress" && a.ClaimedBy is not null && a.Log.Contains("restoring media of env-0", StringComparison.Ordinal), TimeSpan.FromSeconds(120), ct,
                    poll: TimeSpan.FromMilliseconds(20));
                await gate.WaitAsync(ct);
                try
                {
                    var n = int.Parse(holder.ClaimedBy!["node-".Length..], System.Globalization.CultureInfo.InvariantCulture) - 1;
                    // Taken before the kill, so the time to finish is not understated by the wait for the process to exit.
                    var killedAt = DateTime.UtcNow;
                    await nodes[n].KillAsync();
                    dead = n;
                    var atKill = await ReadAsync(database, id, ct);
                    // Killed mid-way: still in progress, and the restore had not reached its end.
                    Assert.True(atKill.State == "InProgress" && !atKill.Log.Contains("Restore complete", StringComparison.Ordinal), atKill.Log);
                    return (holder, killedAt);
                }
                finally
                {
                    gate.Release();
                }
            }

            const string Restore = """{"safety_snapshot":false}""";
            string? victim = null;
            Task<(Row Holder, DateTime KilledAt)>? kill = null;
            for (var i = 1; i < PerEnvironment; i++)
            {
                for (var e = 0; e < Environments; e++)
                {
                    var activity = i % 2 == 1
                        ? await QueueAsync($"env-{e}/snapshots/{seeds[e]}/restore", Restore)
                        : await QueueAsync($"env-{e}/snapshots", "{}");
                    if (victim is null)
                    {
                        victim = activity.GetProperty("id").GetString()!;
                        kill = KillWhenRestoringAsync(victim);
                    }
                }
            }

            var (holder, killedAt) = await kill!;

            List<Row> all;
            try
            {
                all = await WaitForAsync(() => ReadAllAsync(database, ct), a => a.Count == queued.Count && a.All(x => x.State == "Complete"), TimeSpan.FromSeconds(150), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new InvalidOperationException(ex.Message + "\n" + string.Concat(nodes.Select(n => n.Output)), ex);
            }

            // The killed node's restore: finished, successfully, by another node within the lease and five seconds of the kill.
            var recovered = all.Single(a => a.Id == victim);
            Assert.True(recovered.Result == "Success", $"{recovered.Result} {recovered.Reason}\n{recovered.Log}");
            Assert.NotEqual(holder.ClaimedBy, recovered.ClaimedBy);
            Assert.Contains($"Portal node {holder.ClaimedBy} stopped renewing its lease", recovered.Log, StringComparison.Ordinal);
            // Its journal was still there: the killed run had not finished the restore.
            Assert.Contains("Portal restarted during this restore;", recovered.Log, StringComparison.Ordinal);
            var killToFinish = recovered.CompletedAt!.Value - killedAt;
            Report($"Three nodes: {all.Count} activities in {clock.Elapsed.TotalSeconds:0} s; the killed restore finished {killToFinish.TotalSeconds:0.0} s after the kill, "
                + $"ran {recovered.CompletedAt - recovered.StartedAt} in all");
            Assert.True(killToFinish <= Lease + TimeSpan.FromSeconds(5), $"finished {killToFinish.TotalSeconds:0.0} s after the kill\n{recovered.Log}");

            // Nothing queued was lost; every activity succeeded, and exactly one node ran it.
            Assert.Equal(queued.Order(StringComparer.Ordinal), all.Select(a => a.Id).Order(StringComparer.Ordinal));
            var output = string.Concat(nodes.Select(n => n.Output));
            foreach (var activity in all)
            {
                Assert.True(activity.Result == "Success", $"{activity.Id} on {activity.Environment}: {activity.Result} {activity.Reason}\n{activity.Log}");
                var ended = Regex.Count(output, $@"Activity {activity.Id} \([a-z.]+\) on {activity.Environment} ended");
                Assert.True(ended == 1, $"{activity.Id} ended {ended} times");
            }

            // First in, first out and one at a time in each environment, whichever nodes ran them.
            foreach (var perEnvironment in all.GroupBy(a => a.Environment))
            {
                var inQueueOrder = perEnvironment.OrderBy(a => a.Sequence).ToList();
                Assert.Equal(PerEnvironment, inQueueOrder.Count);
                for (var i = 1; i < inQueueOrder.Count; i++)
                {
                    Assert.True(inQueueOrder[i].StartedAt >= inQueueOrder[i - 1].CompletedAt,
                        $"{inQueueOrder[i].Id} started before {inQueueOrder[i - 1].Id} completed on {perEnvironment.Key}");
                }
            }

            Assert.True(all.Select(a => a.ClaimedBy).Distinct().Count() >= 2, "one node ran everything: " + string.Join(", ", all.Select(a => a.ClaimedBy).Distinct()));

            // Every environment ends as its seed snapshot: the last restore put it back and the snapshots after it changed nothing.
            for (var e = 0; e < Environments; e++)
            {
                Assert.Equal(seeded[e], DirectoryState.Capture(mounts[e]));
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The figures go to the test results folder too, where the test command prints them.</summary>
    private static void Report(string line)
    {
        var folder = System.Environment.GetEnvironmentVariable("PORTAL_TEST_RESULTS");
        File.AppendAllLines(Path.Combine(string.IsNullOrEmpty(folder) ? AppContext.BaseDirectory : folder, "three-nodes.txt"), [line]);
    }

    private sealed record Row(long Sequence, string Id, string Environment, string State, string? Result, string? Reason, string? ClaimedBy,
        DateTime? StartedAt, DateTime? CompletedAt, string Log);

    private const string Columns = """
        SELECT "Sequence", "Id", "EnvironmentName", "State", "Result", "Reason", "ClaimedBy", "StartedAt", "CompletedAt", "Log" FROM "Activities"
        """;

    private static async Task<Row> ReadAsync(TestDatabase database, string id, CancellationToken ct) =>
        (await QueryAsync(database, $"{Columns} WHERE \"Id\" = @id", ("id", id), ct)).Single();

    private static Task<List<Row>> ReadAllAsync(TestDatabase database, CancellationToken ct) => QueryAsync(database, Columns, null, ct);

    private static async Task<List<Row>> QueryAsync(TestDatabase database, string sql, (string Name, object Value)? parameter, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is { } p)
        {
            command.Parameters.AddWithValue(p.Name, p.Value);
        }

        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetDateTime(7),
                reader.IsDBNull(8) ? null : reader.GetDateTime(8), reader.GetString(9)));
        }

        return rows;
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan within, CancellationToken ct, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not done within {within}: {(value is List<Row> rows ? string.Join(", ", rows.GroupBy(r => r.State).Select(g => $"{g.Count()} {g.Key}")) : value)}");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(100), ct);
        }
    }
}
