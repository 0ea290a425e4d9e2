namespace Portal.Infrastructure.Tests.LiveUpdates;

using System.Net;
using System.Text;
using System.Text.Json;

/// <summary>
/// Two real Portal processes on one PostgreSQL database: a snapshot queued through a web-only node A is started at once by
/// node B, whose own poll would not look for work for ten minutes: NOTIFY on the work channel woke it.
/// </summary>
public sealed class NodeWakeUpTests
{
    [Fact]
    public async Task Work_queued_through_a_web_only_node_is_started_by_an_idle_node_without_waiting_for_its_poll()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        var root = Directory.CreateTempSubdirectory("portal-wake-").FullName;
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(root, "shop", "pub", "media")).FullName;
            await File.WriteAllTextAsync(Path.Combine(media, "image.txt"), "pixels", ct);
            var common = TwoNodeShop.Settings(database, media, "true");
            var data = Path.Combine(root, "data");
            await using var a = await PortalProcess.StartAsync(data, new Dictionary<string, string?>(common) { ["Activities:ClaimsEnabled"] = "false" }, ct);
            await using var b = await PortalProcess.StartAsync(data, new Dictionary<string, string?>(common) { ["Activities:PollMilliseconds"] = "600000" }, ct);
            using var onA = await a.SignedInClientAsync("alice", ct);
            // B's first look for work, at its start, is over: from now on only a wake-up makes it look before ten minutes.
            await Task.Delay(TimeSpan.FromSeconds(2), ct);

            for (var i = 0; i < 3; i++)
            {
                using var queued = await onA.PostAsync(new Uri("api/projects/two-nodes/environments/develop/snapshots", UriKind.Relative),
                    new StringContent("{}", Encoding.UTF8, "application/json"), ct);
                var body = await queued.Content.ReadAsStringAsync(ct);
                Assert.True(queued.StatusCode == HttpStatusCode.Accepted, body);
                var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
                var done = await WaitForCompletionAsync(onA, id, ct);

                Assert.Equal("success", done.GetProperty("result").GetString());
                var waited = done.GetProperty("started_at").GetDateTimeOffset() - done.GetProperty("created_at").GetDateTimeOffset();
                Assert.True(waited < TimeSpan.FromSeconds(2), $"snapshot {i + 1} waited {waited.TotalMilliseconds:F0} ms to start");
                Assert.Contains($"Activity {id} (environment.backup) on develop ended", b.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<JsonElement> WaitForCompletionAsync(HttpClient client, string id, CancellationToken ct)
    {
        // Far less than B's ten-minute poll: without a wake-up this fails.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var activity = JsonDocument.Parse(await client.GetStringAsync(new Uri($"api/projects/two-nodes/activities/{id}", UriKind.Relative), ct)).RootElement.Clone();
            if (activity.GetProperty("state").GetString() == "complete")
            {
                return activity;
            }

            Assert.True(DateTime.UtcNow < deadline, $"activity {id} did not finish: {activity}");
            await Task.Delay(100, ct);
        }
    }
}
