namespace Portal.Infrastructure.Tests.Activities;

using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>A real Portal process is killed (SIGKILL) in the middle of a snapshot; the next start must say what happened.</summary>
public sealed class InterruptedActivityTests
{
    private const string Project = "demo-shop";

    [Fact]
    public async Task AKilledWorkerLeavesItsActivityFailedAsInterruptedWithNoRestorableSnapshotAndThePendingOnesStillRun()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 5);
        var ct = TestContext.Current.CancellationToken;

        // Enough incompressible data that the capture takes seconds, so the kill lands mid-way.
        host.WriteBulkMedia("develop-branch", files: 300, seed: 7);

        Activity killed, waiting;
        await using (var portal = await host.StartProcessAsync())
        {
            // Queued once Portal answers, so the capture cannot be over before the test watches it.
            killed = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", false, ct));
            waiting = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", true, ct));
            await host.WaitUntilRunningAsync(portal, killed.Id, 1);
            await portal.KillAsync();
        }

        var atKill = await host.ReadActivityAsync(killed.Id);
        Assert.True(atKill.State == ActivityState.InProgress, "the snapshot finished before the kill; the test data is too small to prove anything");

        await host.StartWorkerAsync();
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(waiting.Id)).Result);

        var interrupted = await host.ReadActivityAsync(killed.Id);
        Assert.Equal((ActivityState.Complete, ActivityResult.Failure), (interrupted.State, interrupted.Result));
        Assert.Equal(ActivityWorker.InterruptedReason, interrupted.Reason);
        Assert.Equal("interrupted: Portal stopped while this was running", interrupted.Reason);

        var snapshots = await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(PortalTestHost.Alice, Project, "develop-branch", ct));
        var half = Assert.Single(snapshots, s => s.Snapshot.Id == killed.SnapshotId);
        Assert.Equal(SnapshotStatus.Failed, half.Snapshot.Status);
        Assert.False(half.Restorable);
        Assert.False(await host.Get<ISnapshotEngine>().HasManifestAsync(killed.SnapshotId!, TestContext.Current.CancellationToken));
        Assert.True(Assert.Single(snapshots, s => s.Snapshot.Id == waiting.SnapshotId).Restorable);

        var environment = await host.InScopeAsync<EnvironmentDirectory, EnvironmentView>(d => d.GetAsync(PortalTestHost.Alice, Project, "develop-branch", ct));
        Assert.Equal(EnvironmentStatus.Active, environment.Environment.Status);
    }
}
