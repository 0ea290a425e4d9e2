namespace Portal.Api.Tests;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Infrastructure.Demo;

/// <summary>Issue #16 item 5 through the REST API: a snapshot that fails raises an alert any member can read; only an admin dismisses it.</summary>
public sealed class AlertApiTests
{
    private const string Alerts = $"/api/projects/{DemoSeeder.ProjectId}/environments/{ActivityApi.Environment}/alerts";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFailedSnapshotsAlertIsListedForEveryMemberAndDismissedOnlyByAnAdminOnce()
    {
        await using var portal = new PortalFactory(settings: new() { ["Alerts:DispatchInterval"] = "00:00:00.200" });
        using var alice = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, Cancel);
        using var carol = await portal.SignedInClientAsync(DemoSeeder.ViewerUserId, Cancel);
        alice.DefaultRequestHeaders.Add("X-Requested-With", "XMLHttpRequest");
        carol.DefaultRequestHeaders.Add("X-Requested-With", "XMLHttpRequest");
        Directory.Delete(Path.Combine(portal.DataPath, "demo", ActivityApi.Environment, "var"), recursive: true);
        var failed = await ActivityApi.EndedAsync(alice, ActivityApi.Id(await ActivityApi.QueueAsync(alice, ActivityApi.Snapshots)));
        Assert.Equal("failure", failed.GetProperty("result").GetString());

        var alert = await FirstAlertAsync(carol);
        Assert.Equal(("activity.failed", ActivityApi.Environment, ActivityApi.Id(failed)),
            (alert.GetProperty("event").GetString(), alert.GetProperty("environment").GetString(), alert.GetProperty("activity_id").GetString()));
        Assert.StartsWith("The snapshot of develop-branch (", alert.GetProperty("message").GetString(), StringComparison.Ordinal);
        var id = alert.GetProperty("id").GetString();

        using var byViewer = await carol.DeleteAsync($"{Alerts}/{id}", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Contains("You need the Admin role on development environments to dismiss alerts", await byViewer.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);

        using var byAdmin = await alice.DeleteAsync($"{Alerts}/{id}", Cancel);
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal(0, (await byAdmin.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetArrayLength());
        Assert.Equal(0, (await carol.GetFromJsonAsync<JsonElement>(Alerts, Cancel)).GetArrayLength());

        using var again = await alice.DeleteAsync($"{Alerts}/{id}", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("AlertNotFound", (await again.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
        using var notAnId = await alice.DeleteAsync($"{Alerts}/not-an-alert", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, notAnId.StatusCode);
    }

    [Fact]
    public async Task OnlyProjectAdminsSeeTheAlertDeliveries()
    {
        await using var portal = new PortalFactory();
        using var alice = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, Cancel);
        using var bob = await portal.SignedInClientAsync(DemoSeeder.ContributorUserId, Cancel);
        const string Deliveries = $"/api/projects/{DemoSeeder.ProjectId}/alert-deliveries";

        Assert.Equal(JsonValueKind.Array, (await alice.GetFromJsonAsync<JsonElement>(Deliveries, Cancel)).ValueKind);
        using var refused = await bob.GetAsync(Deliveries, Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    /// <summary>Alerts are raised by a background job: polls until the first one is listed.</summary>
    private static async Task<JsonElement> FirstAlertAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var alerts = await client.GetFromJsonAsync<JsonElement>(Alerts, Cancel);
            if (alerts.GetArrayLength() > 0)
            {
                return alerts[0];
            }

            Assert.True(DateTime.UtcNow < deadline, "no alert was raised within 30 s");
            await Task.Delay(100, Cancel);
        }
    }
}
