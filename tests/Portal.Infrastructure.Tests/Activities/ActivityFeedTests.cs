namespace Portal.Infrastructure.Tests.Activities;

using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Tests.Support;

public sealed class ActivityFeedTests
{
    private const string Project = "demo-shop";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task KeysetPagesReturnEveryEntryOnceNewestFirstAndFiltersNarrowThem(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 3; i++)
        {
            await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", false, ct));
            await host.InScopeAsync<ActivityFeedService, Activity>(f => f.ReportAsync(PortalTestHost.Bob, Project, "develop-branch", "push", $"Bob pushed commit {i}", ct));
        }

        var all = new List<Activity>();
        ActivityCursor? after = null;
        do
        {
            var page = await host.InScopeAsync<ActivityFeedService, ActivityPage>(f => f.ListAsync(PortalTestHost.Carol,
                new ActivityQuery { ProjectId = Project, EnvironmentName = "develop-branch", PageSize = 4, After = after }, ct));
            Assert.True(page.Items.Count <= 4);
            all.AddRange(page.Items);
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(8 + 6, all.Count);
        Assert.Equal(all.Count, all.Select(a => a.Id).Distinct().Count());
        Assert.All(all, a => Assert.Equal("develop-branch", a.EnvironmentName));
        Assert.Equal([.. all.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Sequence).Select(a => a.Id)], all.Select(a => a.Id));

        var snapshots = await host.InScopeAsync<ActivityFeedService, ActivityPage>(f => f.ListAsync(PortalTestHost.Carol,
            new ActivityQuery { ProjectId = Project, EnvironmentName = "develop-branch", Types = [ActivityTypes.Snapshot] }, ct));
        Assert.Equal(3, snapshots.Items.Count);
        Assert.All(snapshots.Items, a => Assert.Equal((ActivityTypes.Snapshot, ActivityState.Pending), (a.Type, a.State)));

        var failedPushes = await host.InScopeAsync<ActivityFeedService, ActivityPage>(f => f.ListAsync(PortalTestHost.Carol,
            new ActivityQuery { ProjectId = Project, EnvironmentName = "develop-branch", Types = [ActivityTypes.Push], Results = [ActivityResult.Failure] }, ct));
        var failed = Assert.Single(failedPushes.Items);
        Assert.Equal("build hook exited with code 1", failed.Reason);

        var types = await host.InScopeAsync<ActivityFeedService, IReadOnlyList<string>>(f => f.ListTypesAsync(PortalTestHost.Carol, Project, "develop-branch", ct));
        Assert.Contains(ActivityTypes.Snapshot, types);
        Assert.Contains(ActivityTypes.Cron, types);
        Assert.DoesNotContain(ActivityTypes.Restore, types);
    }

    [Fact]
    public async Task ReportingIsRefusedToViewersAndForTypesPortalRecordsItself()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;

        var viewer = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<ActivityFeedService, Activity>(f =>
            f.ReportAsync(PortalTestHost.Carol, Project, "develop-branch", "push", "Carol pushed", ct)));
        Assert.Equal(RefusalCode.MissingRole, viewer.Code);

        var snapshot = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<ActivityFeedService, Activity>(f =>
            f.ReportAsync(PortalTestHost.Alice, Project, "develop-branch", "snapshot", "fake snapshot", ct)));
        Assert.Equal(RefusalCode.InvalidInput, snapshot.Code);

        var pageSize = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<ActivityFeedService, ActivityPage>(f =>
            f.ListAsync(PortalTestHost.Alice, new ActivityQuery { ProjectId = Project, PageSize = 0 }, ct)));
        Assert.Equal(RefusalCode.InvalidInput, pageSize.Code);
    }
}
