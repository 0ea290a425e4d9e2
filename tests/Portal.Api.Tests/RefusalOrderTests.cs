namespace Portal.Api.Tests;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;

/// <summary>Every API call, in the order of its checks.</summary>
public enum Call
{
    ViewEnvironment,
    ViewFeed,
    ListSnapshots,
    ViewSnapshot,
    ViewActivity,
    Report,
    Create,
    Restore,
    Delete,
}

/// <summary>Which snapshot (or activity) a row asks for.</summary>
public enum Target
{
    None,
    Unknown,
    Restorable,
    Expired,
    Deleted,
}

/// <summary>
/// One order of checks for every action: unknown → 404, then missing role → 403, then a rule → 409 (400 for a reported
/// activity's type). Each row combines the later failures with the earlier one, so it is the earlier one that must answer:
/// an unknown snapshot asked for by a viewer is 404 (not 403), a forbidden action on a Pro environment asked for by a
/// contributor is 403 (not 409).
/// </summary>
public sealed class RefusalOrderTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    private const string Erin = PortalFactory.EnvironmentAdminId;
    private const string Alice = DemoSeeder.AdminUserId;
    private const string Bob = DemoSeeder.ContributorUserId;
    private const string Carol = DemoSeeder.ViewerUserId;
    private const string UnknownEnvironment = "Environment 'no-such-env' was not found in project 'demo-shop'.";
    private const string UnknownSnapshot = "Snapshot 'nosuchsnapshot' was not found on environment develop-branch.";
    private const string NoRoleOnProduction = "You need a role on production environments to view master.";

    public static TheoryData<Call, string, string, Target, int, string> Rows => new()
    {
        // Reading: an environment that does not exist, then one of a type the user has no role on (Erin: development only).
        { Call.ViewEnvironment, Erin, "no-such-env", Target.None, 404, UnknownEnvironment },
        { Call.ViewEnvironment, Erin, "master", Target.None, 403, NoRoleOnProduction },
        { Call.ViewFeed, Erin, "no-such-env", Target.None, 404, UnknownEnvironment },
        { Call.ViewFeed, Erin, "master", Target.None, 403, NoRoleOnProduction },
        { Call.ListSnapshots, Erin, "no-such-env", Target.None, 404, UnknownEnvironment },
        { Call.ListSnapshots, Erin, "master", Target.None, 403, NoRoleOnProduction },
        { Call.ViewSnapshot, Erin, "develop-branch", Target.Unknown, 404, UnknownSnapshot },
        { Call.ViewSnapshot, Erin, "master", Target.Restorable, 403, NoRoleOnProduction },
        { Call.ViewActivity, Erin, "master", Target.Unknown, 404, "Activity 'nosuchactivity' was not found." },
        { Call.ViewActivity, Erin, "master", Target.Restorable, 403, NoRoleOnProduction },

        // Reporting an outside activity: the type rule is an input rule (400), checked after who asks.
        { Call.Report, Carol, "no-such-env", Target.None, 404, UnknownEnvironment },
        { Call.Report, Carol, "develop-branch", Target.None, 403,
            "You need the Contributor or Admin role on development environments to report activities; your role there is viewer." },
        { Call.Report, Bob, "develop-branch", Target.None, 400,
            "'user access' activities are recorded by Portal itself and cannot be reported; 'type' must be one of: push, branch, merge, sync, redeploy, cron, variable." },

        // Changing: rule 2 (Pro staging, inactive environments) and rule 4 (expired, deleted) only once the role is there.
        { Call.Create, Carol, "no-such-env", Target.None, 404, UnknownEnvironment },
        { Call.Create, Bob, "pro-staging", Target.None, 403,
            "You need the Admin role on staging environments to create snapshots; your role there is contributor." },
        { Call.Create, Alice, "pro-staging", Target.None, 409, SnapshotRules.ProPlanMessage },
        { Call.Create, Carol, "old-feature", Target.None, 403,
            "You need the Admin role on development environments to create snapshots; your role there is viewer." },
        { Call.Create, Alice, "old-feature", Target.None, 409, "Snapshots are not available on inactive environments: activate old-feature first." },
        { Call.Restore, Carol, "develop-branch", Target.Unknown, 404, UnknownSnapshot },
        { Call.Restore, Carol, "develop-branch", Target.Expired, 403,
            "You need the Admin role on development environments to restore snapshots; your role there is viewer." },
        { Call.Restore, Alice, "develop-branch", Target.Expired, 409, "Snapshot {id} expired on {expires} and can no longer be restored." },
        { Call.Delete, Carol, "develop-branch", Target.Unknown, 404, UnknownSnapshot },
        { Call.Delete, Carol, "develop-branch", Target.Deleted, 403,
            "You need the Admin role on development environments to delete snapshots; your role there is viewer." },
        { Call.Delete, Alice, "develop-branch", Target.Deleted, 409, "Snapshot {id} was already deleted." },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Unknown_answers_404_before_a_missing_role_403_before_a_rule_409(
        Call call, string userId, string environment, Target target, int status, string detail)
    {
        var ct = TestContext.Current.CancellationToken;
        var (id, expires) = await TargetAsync(call, environment, target, ct);
        using var client = await host.Factory.SignedInClientAsync(userId, ct);
        using var request = Request(call, environment, id);
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");

        using var response = await client.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);

        Assert.True(status == (int)response.StatusCode, $"{call} as {userId}: expected {status}, got {(int)response.StatusCode}: {body}");
        var expected = detail.Replace("{id}", id, StringComparison.Ordinal).Replace("{expires}", expires, StringComparison.Ordinal);
        Assert.Equal(expected, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString());
    }

    private static HttpRequestMessage Request(Call call, string environment, string id)
    {
        var path = $"/api/projects/{DemoSeeder.ProjectId}/environments/{environment}";
        return call switch
        {
            Call.ViewEnvironment => new(HttpMethod.Get, path),
            Call.ViewFeed => new(HttpMethod.Get, $"{path}/activities"),
            Call.ListSnapshots => new(HttpMethod.Get, $"{path}/snapshots"),
            Call.ViewSnapshot => new(HttpMethod.Get, $"{path}/snapshots/{id}"),
            Call.ViewActivity => new(HttpMethod.Get, $"/api/projects/{DemoSeeder.ProjectId}/activities/{id}"),
            Call.Report => new(HttpMethod.Post, $"{path}/activities") { Content = JsonContent.Create(new { type = "user access", text = "Alice made Bob an admin" }) },
            Call.Create => new(HttpMethod.Post, $"{path}/snapshots") { Content = JsonContent.Create(new { live = false }) },
            Call.Restore => new(HttpMethod.Post, $"{path}/snapshots/{id}/restore") { Content = JsonContent.Create(new { }) },
            _ => new(HttpMethod.Delete, $"{path}/snapshots/{id}"),
        };
    }

    /// <summary>The id the row asks for (a fresh snapshot in the wanted state, an activity of the environment, or an unknown id) and its expiry as refusals write it.</summary>
    private async Task<(string Id, string Expires)> TargetAsync(Call call, string environment, Target target, CancellationToken ct)
    {
        if (target is Target.None or Target.Unknown)
        {
            return (call == Call.ViewActivity ? "nosuchactivity" : "nosuchsnapshot", "");
        }

        if (call == Call.ViewActivity)
        {
            await using var db = await host.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
            return (await db.Activities.Where(a => a.ProjectId == DemoSeeder.ProjectId && a.EnvironmentName == environment).Select(a => a.Id).FirstAsync(ct), "");
        }

        var (createdAt, status) = target switch
        {
            Target.Expired => (DateTimeOffset.UtcNow.AddDays(-8), SnapshotStatus.Created),
            Target.Deleted => (DateTimeOffset.UtcNow.AddHours(-1), SnapshotStatus.Deleted),
            _ => (DateTimeOffset.UtcNow.AddHours(-1), SnapshotStatus.Created),
        };
        var snapshot = await host.Factory.AddSnapshotAsync(environment, createdAt, status, ct);
        return (snapshot.Id, SnapshotRules.FormatUtc(snapshot.ExpiresAt));
    }
}
