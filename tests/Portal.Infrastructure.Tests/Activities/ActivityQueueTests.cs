namespace Portal.Infrastructure.Tests.Activities;

using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Tests.Support;

public sealed class ActivityQueueTests
{
    private const string Project = "demo-shop";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ActivitiesRunFirstInFirstOutPerEnvironmentWhileTwoEnvironmentsRunInParallel(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, maxParallelEnvironments: 2, mediaFiles: 150);
        var ct = TestContext.Current.CancellationToken;

        // Queued before the worker starts, interleaved across two environments.
        var queued = new List<Activity>();
        for (var i = 0; i < 3; i++)
        {
            foreach (var environment in new[] { "develop-branch", "integration" })
            {
                queued.Add(await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, environment, live: i % 2 == 1, ct)));
            }
        }

        Assert.All(queued, a => Assert.Equal(ActivityState.Pending, a.State));
        await host.StartWorkerAsync();
        var done = new List<Activity>();
        foreach (var activity in queued)
        {
            done.Add(await host.WaitForCompletionAsync(activity.Id));
        }

        Assert.All(done, a => Assert.Equal(ActivityResult.Success, a.Result));
        foreach (var perEnvironment in done.GroupBy(a => a.EnvironmentName))
        {
            var inQueueOrder = perEnvironment.OrderBy(a => a.Sequence).ToList();
            for (var i = 1; i < inQueueOrder.Count; i++)
            {
                // Strictly one after the other, in the order they were queued.
                Assert.True(inQueueOrder[i].StartedAt >= inQueueOrder[i - 1].CompletedAt,
                    $"{inQueueOrder[i].Id} started before {inQueueOrder[i - 1].Id} completed on {perEnvironment.Key}");
            }
        }

        var firstDevelop = done.Where(a => a.EnvironmentName == "develop-branch").MinBy(a => a.Sequence)!;
        var firstIntegration = done.Where(a => a.EnvironmentName == "integration").MinBy(a => a.Sequence)!;
        Assert.True(firstIntegration.StartedAt < firstDevelop.CompletedAt && firstDevelop.StartedAt < firstIntegration.CompletedAt,
            "the two environments' first snapshots did not run at the same time");
    }

    [Fact]
    public async Task ProgressAndLogArePersistedAndPublishedWhileRunning()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 150);
        var ct = TestContext.Current.CancellationToken;
        var updates = new List<ActivityUpdate>();
        using var subscription = host.Get<IActivityEvents>().Subscribe(u => { lock (updates) { updates.Add(u); } });
        await host.StartWorkerAsync();

        var created = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", false, ct));
        var done = await host.WaitForCompletionAsync(created.Id);

        Assert.Equal(100, done.CompletionPercent);
        Assert.NotNull(done.StartedAt);
        Assert.Contains("newly stored, in ", done.Log, StringComparison.Ordinal);
        Assert.Contains("develop-branch paused", done.Log, StringComparison.Ordinal);
        Assert.Contains("develop-branch active again", done.Log, StringComparison.Ordinal);
        Assert.Contains("] Capturing mount pub/media\n", done.Log, StringComparison.Ordinal); // engine phases are logged, stamped
        List<ActivityUpdate> mine;
        lock (updates)
        {
            mine = [.. updates.Where(u => u.ActivityId == created.Id)];
        }

        Assert.True(mine[0].IsNew);
        Assert.Contains(mine, u => u.State == ActivityState.InProgress && u.CompletionPercent is > 0 and < 100);
        Assert.Equal((ActivityState.Complete, ActivityResult.Success, 100), (mine[^1].State, mine[^1].Result, mine[^1].CompletionPercent));
        var percents = mine.Select(u => u.CompletionPercent).ToList();
        Assert.Equal(percents.Order(), percents);
    }

    [Fact]
    public async Task ASafeSnapshotPublishesItsEnvironmentPausedThenActiveAgainAndALiveOneNeither()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 5);
        var ct = TestContext.Current.CancellationToken;
        var statuses = new List<(string ActivityId, EnvironmentStatus Status)>();
        using var subscription = host.Get<IActivityEvents>().Subscribe(u =>
        {
            if (u.EnvironmentStatus is { } status)
            {
                lock (statuses)
                {
                    statuses.Add((u.ActivityId, status));
                }
            }
        });
        await host.StartWorkerAsync();

        var safe = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", false, ct));
        await host.WaitForCompletionAsync(safe.Id);
        var live = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", true, ct));
        await host.WaitForCompletionAsync(live.Id);

        lock (statuses)
        {
            Assert.Equal([(safe.Id, EnvironmentStatus.Paused), (safe.Id, EnvironmentStatus.Active)], statuses);
        }
    }
}
