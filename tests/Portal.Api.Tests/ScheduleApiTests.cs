namespace Portal.Api.Tests;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Infrastructure.Demo;

/// <summary>Issue #16 item 1 through the REST API: an admin sets, reads and removes a schedule; bad expressions and missing roles get a 4xx that says why.</summary>
public sealed class ScheduleApiTests
{
    private const string Schedule = $"/api/projects/{DemoSeeder.ProjectId}/environments/develop-branch/schedule";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A browser client of the demo user that sends the header state-changing calls need, as the pane's scripts do.</summary>
    private static async Task<HttpClient> ClientAsync(PortalFactory portal, string user)
    {
        var client = await portal.SignedInClientAsync(user, Cancel);
        client.DefaultRequestHeaders.Add("X-Requested-With", "XMLHttpRequest");
        return client;
    }

    [Fact]
    public async Task AnAdminSetsAScheduleSeesItsNextFiveRunsAndRemovesIt()
    {
        await using var portal = new PortalFactory();
        using var alice = await ClientAsync(portal, DemoSeeder.AdminUserId);

        var none = await alice.GetFromJsonAsync<JsonElement>(Schedule, Cancel);
        Assert.Equal((JsonValueKind.Null, 0, true), (none.GetProperty("cron").ValueKind, none.GetProperty("next_runs").GetArrayLength(), none.GetProperty("can_edit").GetBoolean()));

        using var set = await alice.PutAsJsonAsync(Schedule, new { cron = "15 3 * * 1-5", live = true }, Cancel);
        Assert.True(set.StatusCode == HttpStatusCode.OK, await set.Content.ReadAsStringAsync(Cancel));
        var schedule = await alice.GetFromJsonAsync<JsonElement>(Schedule, Cancel);
        Assert.Equal(("15 3 * * 1-5", true, "UTC", false), (schedule.GetProperty("cron").GetString(), schedule.GetProperty("live").GetBoolean(),
            schedule.GetProperty("time_zone").GetString(), schedule.GetProperty("declared").GetBoolean()));
        var runs = schedule.GetProperty("next_runs").EnumerateArray().Select(r => r.GetDateTimeOffset()).ToList();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.Equal((3, 15, true), (r.UtcDateTime.Hour, r.UtcDateTime.Minute, r.DayOfWeek is >= DayOfWeek.Monday and <= DayOfWeek.Friday)));
        Assert.Equal(runs.Order(), runs);
        Assert.True(runs[0] > DateTimeOffset.UtcNow);

        using var removed = await alice.DeleteAsync(Schedule, Cancel);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await alice.GetFromJsonAsync<JsonElement>(Schedule, Cancel)).GetProperty("cron").ValueKind);
    }

    [Theory]
    [InlineData("0 2 * *", "needs five fields")]
    [InlineData("0 25 * * *", "is not valid")]
    [InlineData("*/10 * * * *", "fires every 10 minutes; snapshots can be scheduled at most once an hour")]
    [InlineData("0 0 30 2 *", "never fires")]
    [InlineData("", "needs a cron expression")]
    public async Task ABadExpressionIsRefusedWithTheReasonAndChangesNothing(string cron, string reason)
    {
        await using var portal = new PortalFactory();
        using var alice = await ClientAsync(portal, DemoSeeder.AdminUserId);

        using var refused = await alice.PutAsJsonAsync(Schedule, new { cron, live = false }, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(reason, (await refused.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await alice.GetFromJsonAsync<JsonElement>(Schedule, Cancel)).GetProperty("cron").ValueKind);
    }

    [Fact]
    public async Task AViewerSeesTheScheduleButMayNotChangeIt()
    {
        await using var portal = new PortalFactory();
        using var alice = await ClientAsync(portal, DemoSeeder.AdminUserId);
        using var carol = await ClientAsync(portal, DemoSeeder.ViewerUserId);
        (await alice.PutAsJsonAsync(Schedule, new { cron = "0 2 * * *" }, Cancel)).EnsureSuccessStatusCode();

        var seen = await carol.GetFromJsonAsync<JsonElement>(Schedule, Cancel);
        Assert.Equal(("0 2 * * *", false), (seen.GetProperty("cron").GetString(), seen.GetProperty("can_edit").GetBoolean()));
        Assert.Equal("You need the Admin role on development environments to schedule snapshots; your role there is viewer.", seen.GetProperty("cannot_edit").GetString());

        using var put = await carol.PutAsJsonAsync(Schedule, new { cron = "0 3 * * *" }, Cancel);
        using var delete = await carol.DeleteAsync(Schedule, Cancel);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (put.StatusCode, delete.StatusCode));
        Assert.Equal("0 2 * * *", (await alice.GetFromJsonAsync<JsonElement>(Schedule, Cancel)).GetProperty("cron").GetString());
    }
}
