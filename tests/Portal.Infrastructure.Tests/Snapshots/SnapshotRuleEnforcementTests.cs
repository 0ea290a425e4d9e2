namespace Portal.Infrastructure.Tests.Snapshots;

using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Tests.Support;

/// <summary>The rules as every entry point meets them: through the application services, on each real database.</summary>
public sealed class SnapshotRuleEnforcementTests
{
    private const string Project = "demo-shop";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task EachRuleRefusesWithItsSpecificMessageAndChangesNothing(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;

        async Task<Refusal> Refused(Actor actor, string environment) =>
            (await Assert.ThrowsAsync<PortalRefusedException>(() =>
                host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(actor, Project, environment, live: false, ct)))).Refusal;

        var viewer = await Refused(PortalTestHost.Carol, "develop-branch");
        Assert.Equal(RefusalCode.MissingRole, viewer.Code);
        Assert.Equal("You need the Admin role on development environments to create snapshots; your role there is viewer.", viewer.Message);

        var contributor = await Refused(PortalTestHost.Bob, "staging");
        Assert.Equal("You need the Admin role on staging environments to create snapshots; your role there is contributor.", contributor.Message);

        Assert.Equal(SnapshotRules.ProPlanMessage, (await Refused(PortalTestHost.Alice, "pro-staging")).Message);
        Assert.Equal(SnapshotRules.ProPlanMessage, (await Refused(PortalTestHost.Alice, "production")).Message);
        Assert.Equal(RefusalCode.EnvironmentInactive, (await Refused(PortalTestHost.Alice, "old-feature")).Code);
        Assert.Equal(RefusalCode.EnvironmentNotFound, (await Refused(PortalTestHost.Alice, "no-such-branch")).Code);
        Assert.Equal(RefusalCode.ProjectNotFound, (await Refused(new Actor("mallory", "Mallory"), "develop-branch")).Code);

        var snapshotFeed = await host.InScopeAsync<ActivityFeedService, ActivityPage>(f => f.ListAsync(PortalTestHost.Alice,
            new ActivityQuery { ProjectId = Project, Types = [ActivityTypes.Snapshot] }, ct));
        Assert.Empty(snapshotFeed.Items);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task RestoreIsRefusedWhileTheSnapshotIsStillBeingCreated(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;

        // The worker is not started: the snapshot stays queued, exactly as behind a long-running activity.
        var created = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", false, ct));
        var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Alice, Project, "develop-branch", created.SnapshotId!, new RestoreOptions(), ct)));

        Assert.Equal(RefusalCode.SnapshotNotReady, refused.Code);
        Assert.Equal($"Snapshot {created.SnapshotId} is still being created; it can be restored once it is complete and verified.", refused.Message);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task RestoreIsRefusedAfterSevenDays(string provider)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 3);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();

        var created = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", false, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(created.Id)).Result);
        var snapshot = await host.InScopeAsync<SnapshotService, SnapshotView>(s => s.GetAsync(PortalTestHost.Alice, Project, "develop-branch", created.SnapshotId!, ct));
        Assert.True(snapshot.Restorable);

        time.Advance(TimeSpan.FromDays(7));
        var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Alice, Project, "develop-branch", created.SnapshotId!, new RestoreOptions(), ct)));

        Assert.Equal(RefusalCode.SnapshotExpired, refused.Code);
        Assert.Equal($"Snapshot {created.SnapshotId} expired on {SnapshotRules.FormatUtc(snapshot.Snapshot.ExpiresAt)} and can no longer be restored.", refused.Message);
        Assert.Equal(snapshot.Snapshot.CreatedAt.AddDays(7), snapshot.Snapshot.ExpiresAt);
    }

    [Fact]
    public async Task RestoreIsRefusedToAViewerNamingTheMissingRole()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 3);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var created = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", true, ct));
        await host.WaitForCompletionAsync(created.Id);

        var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Carol, Project, "develop-branch", created.SnapshotId!, new RestoreOptions(), ct)));

        Assert.Equal("You need the Admin role on development environments to restore snapshots; your role there is viewer.", refused.Message);
    }

    [Fact]
    public async Task PortalItselfTakesAScheduledSnapshotMarkedAutomatedButAUserWhoseIdIsPortalGetsNoRights()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 3);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var scheduled = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateScheduledAsync(Project, "develop-branch", false, ct));
        var done = await host.WaitForCompletionAsync(scheduled.Id);
        Assert.True(done.Result == ActivityResult.Success, done.Log);
        Assert.Equal(("portal", "Portal created a scheduled snapshot of develop-branch"), (done.InitiatedBy, done.Text));
        var listed = await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(PortalTestHost.Alice, Project, "develop-branch", ct));
        Assert.True(Assert.Single(listed, v => v.Snapshot.Id == scheduled.SnapshotId).Snapshot.Automated);

        // The same id and name as Portal's own actor, but not that actor: a person, with no role on the project.
        var impostor = new Actor(Actor.System.UserId, Actor.System.DisplayName);
        var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(impostor, Project, "develop-branch", false, ct)));
        Assert.Equal(RefusalCode.ProjectNotFound, refused.Code);
    }
}
