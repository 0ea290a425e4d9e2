namespace Portal.Infrastructure.Tests.LiveUpdates;

using System.Net;
using System.Text;
using System.Text.Json;

/// <summary>
/// Two real Portal processes on one PostgreSQL database: a web-only node A takes a user's cancel of a snapshot that node B
/// runs, B's run stops at its next safe point, and A answers with what B's run said.
/// </summary>
public sealed class CrossNodeCancelTests
{
    [Fact]
    public async Task A_cancel_sent_to_a_web_only_node_stops_the_snapshot_another_node_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        var root = Directory.CreateTempSubdirectory("portal-cross-node-cancel-").FullName;
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(root, "shop", "pub", "media")).FullName;
            await File.WriteAllTextAsync(Path.Combine(media, "image.txt"), "pixels", ct);

            // The pre-snapshot command holds the run on B until the cancel stops it.
            var common = TwoNodeShop.Settings(database, media, "sleep 120");
            var data = Path.Combine(root, "data");
            await using var a = await PortalProcess.StartAsync(data, new Dictionary<string, string?>(common) { ["Activities:ClaimsEnabled"] = "false" }, ct);
            await using var b = await PortalProcess.StartAsync(data, common, ct);
            using var onA = await a.SignedInClientAsync("alice", ct);

            using var queued = await onA.PostAsync(new Uri("api/projects/two-nodes/environments/develop/snapshots", UriKind.Relative), Json("{}"), ct);
            var body = await queued.Content.ReadAsStringAsync(ct);
            Assert.True(queued.StatusCode == HttpStatusCode.Accepted, body);
            var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
            await WaitForStateAsync(onA, id!, "in_progress", ct);

            var asked = DateTime.UtcNow;
            using var cancel = await onA.PostAsync(new Uri($"api/projects/two-nodes/activities/{id}/cancel", UriKind.Relative), Json("{}"), ct);
            var answer = await cancel.Content.ReadAsStringAsync(ct);
            Assert.True(cancel.StatusCode == HttpStatusCode.Accepted, answer);
            Assert.Equal("in_progress", JsonDocument.Parse(answer).RootElement.GetProperty("state").GetString());

            var ended = await WaitForStateAsync(onA, id!, "cancelled", ct);
            Assert.True(DateTime.UtcNow - asked < TimeSpan.FromSeconds(30), "the run did not stop at its next safe point");
            Assert.Contains("cancel requested by", ended.GetProperty("log").GetString(), StringComparison.Ordinal);
            Assert.Contains($"Activity {id} (environment.backup) on develop ended", b.Output, StringComparison.Ordinal);
            Assert.DoesNotContain($"Activity {id} (environment.backup)", a.Output, StringComparison.Ordinal);

            // A cancelled snapshot leaves no snapshot to restore.
            using var snapshots = await onA.GetAsync(new Uri("api/projects/two-nodes/environments/develop/snapshots", UriKind.Relative), ct);
            var listed = JsonDocument.Parse(await snapshots.Content.ReadAsStringAsync(ct)).RootElement;
            Assert.DoesNotContain(listed.EnumerateArray(), s => s.GetProperty("restorable").GetBoolean());

            // Asked again once it ended, the answer says so instead of reaching for a run that is gone.
            using var again = await onA.PostAsync(new Uri($"api/projects/two-nodes/activities/{id}/cancel", UriKind.Relative), Json("{}"), ct);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> WaitForStateAsync(HttpClient client, string id, string state, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync(new Uri($"api/projects/two-nodes/activities/{id}", UriKind.Relative), ct);
            var activity = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();
            var now = activity.GetProperty("state").GetString();
            if (now == state)
            {
                return activity;
            }

            Assert.True(DateTime.UtcNow < deadline, $"activity {id} is {now}, not {state}: {activity}");
            await Task.Delay(100, ct);
        }
    }
}
