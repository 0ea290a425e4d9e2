namespace Portal.Infrastructure.Tests.LiveUpdates;

using System.Net;
using System.Text.Json;

/// <summary>
/// Two real Portal processes on one PostgreSQL database (and one shared data folder, standing in for shared storage): a
/// snapshot queued through node B's API, and run by B, is followed live on node A's event stream.
/// </summary>
public sealed class TwoPortalProcessesTests
{
    [Fact]
    public async Task A_snapshot_started_and_run_on_node_B_is_followed_live_on_node_A()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        var root = Directory.CreateTempSubdirectory("portal-two-nodes-").FullName;
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(root, "shop", "pub", "media")).FullName;
            for (var i = 0; i < 50; i++)
            {
                await File.WriteAllTextAsync(Path.Combine(media, $"image-{i}.txt"), new string('x', 10_000 + i), ct);
            }

            // The pre-snapshot command keeps the activity running long enough for A to follow it from the start.
            var common = TwoNodeShop.Settings(database, media, "sleep 3", ("Activities:ProgressFlushMilliseconds", "100"));
            var data = Path.Combine(root, "data");

            // A claims no work (web-only): what B queues, B runs.
            await using var a = await PortalProcess.StartAsync(data, new Dictionary<string, string?>(common) { ["Activities:ClaimsEnabled"] = "false" }, ct);
            await using var b = await PortalProcess.StartAsync(data, common, ct);
            using var onA = await a.SignedInClientAsync("alice", ct);
            using var onB = await b.SignedInClientAsync("alice", ct);

            using var queued = await onB.PostAsync(new Uri("api/projects/two-nodes/environments/develop/snapshots", UriKind.Relative), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), ct);
            Assert.True(queued.StatusCode == HttpStatusCode.Accepted, await queued.Content.ReadAsStringAsync(ct));
            var id = JsonDocument.Parse(await queued.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString();

            using var response = await onA.GetAsync(new Uri($"api/projects/two-nodes/activities/{id}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            var events = new List<(string Type, JsonElement Data)>();
            string? type = null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add((type ?? "message", JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()));
                }
            }

            var result = events[^1];
            Assert.Equal("result", result.Type);
            Assert.Equal("success", result.Data.GetProperty("result").GetString());

            // Progress between start and end can only have come live from B, through NOTIFY.
            var percents = events.Where(e => e.Type == "progress").Select(e => e.Data.GetProperty("completion_percent").GetInt32()).ToList();
            Assert.Contains(percents, p => p is > 0 and < 100);
            Assert.Equal(percents.Order(), percents);

            // Every line of the stored log once, in order, whichever way it reached A.
            var lines = events.Where(e => e.Type == "log").Select(e => e.Data.GetProperty("line").GetString()).ToList();
            Assert.Equal(result.Data.GetProperty("log").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries), lines);
            Assert.DoesNotContain("live updates", a.Output, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"Activity {id} (environment.backup) on develop ended", b.Output, StringComparison.Ordinal);
            Assert.DoesNotContain($"Activity {id}", a.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
