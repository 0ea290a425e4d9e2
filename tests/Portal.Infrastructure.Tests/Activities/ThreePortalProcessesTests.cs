namespace Portal.Infrastructure.Tests.Activities;

using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;

/// <summary>
/// Three real Portal processes on one PostgreSQL database (and one shared data folder, standing in for shared storage):
/// snapshots queued through all three APIs across six environments each run exactly once, first in first out and one at a
/// time per environment, and the activity of a node killed mid-way is finished by another node once its lease expires.
/// </summary>
public sealed class ThreePortalProcessesTests
{
    private const int Environments = 6;
    private const int PerEnvironment = 10;

    [Fact]
    public async Task Activities_run_once_each_in_order_across_three_nodes_and_a_killed_nodes_activity_is_finished_by_another()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        var root = Directory.CreateTempSubdirectory("portal-three-nodes-").FullName;
        var nodes = new List<PortalProcess>();
        try
        {
            // The first snapshot of env-0 sleeps until its node is killed; the marker makes every later one quick.
            var marker = Path.Combine(root, "first-snapshot-sleeps");
            await File.WriteAllTextAsync(marker, "", ct);
            var shop = new ProjectDefinition { Id = "three-nodes", Title = "Three nodes", Admins = ["alice"] };
            for (var e = 0; e < Environments; e++)
            {
                var media = Directory.CreateDirectory(Path.Combine(root, "shop", $"env-{e}", "media")).FullName;
                for (var i = 0; i < 3; i++)
                {
                    await File.WriteAllTextAsync(Path.Combine(media, $"file-{i}.txt"), new string('x', 1000 + i), ct);
                }

                shop.Environments.Add(new EnvironmentDefinition
                {
                    Name = $"env-{e}", Type = EnvironmentType.Development,
                    PreSnapshotCommand = e == 0 ? $"if [ -f '{marker}' ]; then rm '{marker}'; sleep 60; fi" : null,
                    Services = [new ServiceDefinition { Name = "media", Kind = ServiceKind.Mount, Location = media }],
                });
            }

            var common = new Dictionary<string, string?>(database.Settings)
            {
                ["Portal:Demo:Enabled"] = "false",
                ["Activities:PollMilliseconds"] = "200",
                ["Activities:ProgressFlushMilliseconds"] = "100",
                ["Activities:LeaseDuration"] = "00:00:03",
                ["Activities:LeaseRenewalInterval"] = "00:00:01",
            };
            foreach (var (key, value) in ConfigurationPairs.Projects(shop))
            {
                common[key] = value;
            }

            var data = Path.Combine(root, "data");
            Dictionary<string, string?> Node(int n) => new(common) { ["Activities:NodeId"] = $"node-{n}" };

            // The first node migrates the database alone; the other two then start together.
            nodes.Add(await PortalProcess.StartAsync(data, Node(1), ct));
            nodes.AddRange(await Task.WhenAll(PortalProcess.StartAsync(data, Node(2), ct), PortalProcess.StartAsync(data, Node(3), ct)));
            var clients = new List<HttpClient>();
            foreach (var node in nodes)
            {
                clients.Add(await node.SignedInClientAsync("alice", ct));
            }

            var queued = new List<string>();
            for (var i = 0; i < PerEnvironment; i++)
            {
                for (var e = 0; e < Environments; e++)
                {
                    var client = clients[queued.Count % clients.Count];
                    using var response = await client.PostAsync(new Uri($"api/projects/three-nodes/environments/env-{e}/snapshots", UriKind.Relative),
                        new StringContent("{}", Encoding.UTF8, "application/json"), ct);
                    var body = await response.Content.ReadAsStringAsync(ct);
                    Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
                    queued.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!);
                }
            }

            // The node running env-0's first snapshot is killed in the middle of it.
            var sleeper = queued[0];
            var holder = await WaitForAsync(() => ReadAsync(database, sleeper, ct), a => a.State == "InProgress" && a.ClaimedBy is not null, TimeSpan.FromSeconds(60), ct);
            var killed = nodes[int.Parse(holder.ClaimedBy!["node-".Length..], System.Globalization.CultureInfo.InvariantCulture) - 1];
            await Task.Delay(500, ct);
            Assert.Equal("InProgress", (await ReadAsync(database, sleeper, ct)).State);
            await killed.KillAsync();

            List<Row> all;
            try
            {
                all = await WaitForAsync(() => ReadAllAsync(database, ct), a => a.Count == queued.Count && a.All(x => x.State == "Complete"), TimeSpan.FromSeconds(90), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new InvalidOperationException(ex.Message + "\n" + string.Concat(nodes.Select(n => n.Output)), ex);
            }

            // The killed node's activity: finished by another node, the way a restart finishes an interrupted snapshot.
            var recovered = all.Single(a => a.Id == sleeper);
            Assert.Equal(("Failure", "interrupted: Portal stopped while this was running"), (recovered.Result, recovered.Reason));
            Assert.NotEqual(holder.ClaimedBy, recovered.ClaimedBy);
            Assert.Contains($"Portal node {holder.ClaimedBy} stopped renewing its lease", recovered.Log, StringComparison.Ordinal);

            // Every other activity succeeded, and exactly one node ran it.
            var output = string.Concat(nodes.Select(n => n.Output));
            foreach (var activity in all.Where(a => a.Id != sleeper))
            {
                Assert.True(activity.Result == "Success", $"{activity.Id} on {activity.Environment}: {activity.Result} {activity.Reason}\n{activity.Log}");
                var ended = output.Split($"Activity {activity.Id} (environment.backup) on {activity.Environment} ended").Length - 1;
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

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan within, CancellationToken ct)
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
            await Task.Delay(100, ct);
        }
    }
}
