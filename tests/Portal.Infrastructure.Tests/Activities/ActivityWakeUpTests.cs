namespace Portal.Infrastructure.Tests.Activities;

using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// Work queued the moment the environment's previous activity completes starts at once: its wake-up is never lost to the
/// previous run's last steps. Time is frozen, so the worker's poll never fires and only a wake-up can start anything.
/// </summary>
public sealed class ActivityWakeUpTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";

    [Fact]
    public async Task ActivityQueuedAsThePreviousOneCompletesStartsWithoutWaitingForThePoll()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await PortalTestHost.StartAsync(time: time, mediaFiles: 2);
        await host.StartWorkerAsync();
        var ct = TestContext.Current.CancellationToken;

        string? snapshotId = null;
        for (var i = 0; i < 40; i++)
        {
            // Snapshots and restores of the one environment, each queued as soon as the one before is reported complete.
            var queued = snapshotId is null || i % 2 == 0
                ? await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, live: true, ct))
                : await host.InScopeAsync<SnapshotService, Activity>(s => s.RestoreAsync(PortalTestHost.Alice, Project, Environment, snapshotId, new RestoreOptions { TakeSafetySnapshot = false }, ct));
            var done = await host.WaitForCompletionAsync(queued.Id, TimeSpan.FromSeconds(30));
            Assert.True(done.Result == ActivityResult.Success, $"activity {i}: {done.Log}");
            snapshotId = done.SnapshotId ?? snapshotId;
        }
    }

    [Fact]
    public async Task ActivityQueuedWhileThePollRunsStartsWithoutWaitingForTheNextPoll()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await PortalTestHost.StartAsync(time: time, mediaFiles: 2);
        await host.StartWorkerAsync();
        var ct = TestContext.Current.CancellationToken;

        for (var i = 0; i < 40; i++)
        {
            // The poll fires, and the snapshot is queued while that run looks for work: its wake-up comes during the run.
            time.Advance(TimeSpan.FromMinutes(10));
            var queued = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, live: true, ct));
            var done = await host.WaitForCompletionAsync(queued.Id, TimeSpan.FromSeconds(30));
            Assert.True(done.Result == ActivityResult.Success, $"activity {i}: {done.Log}");
        }
    }
}
