namespace Portal.Infrastructure.Tests.Activities;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>What a killed capture leaves in the store is removed at the next start, so a failed snapshot never keeps its data.</summary>
public sealed class LeftoverCleanupTests
{
    private const string Project = "demo-shop";

    [Fact]
    public async Task AFailedSnapshotWhoseManifestWasWrittenLosesItsManifestAndObjectsAtTheNextStart()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 3);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var kept = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", false, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(kept.Id)).Result);
        File.WriteAllText(Path.Combine(host.DemoRoot("develop-branch"), "var", "only-in-the-failed-one.log"), "written after the first snapshot");
        var failed = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, "develop-branch", false, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(failed.Id)).Result);
        await host.StopWorkerAsync();

        // As a kill between writing the manifest and recording the snapshot as created leaves it.
        await using (var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct))
        {
            await db.Snapshots.Where(s => s.Id == failed.SnapshotId).ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, SnapshotStatus.Failed), ct);
        }

        var engine = host.Get<ISnapshotEngine>();
        var store = Path.Combine(host.DataPath, "snapshots", "objects");
        int CountObjects() => Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories).Count();
        var objectsBefore = CountObjects();
        Assert.True(await engine.HasManifestAsync(failed.SnapshotId!, TestContext.Current.CancellationToken));

        await host.StartWorkerAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // The manifest goes first, then the objects once the store is exclusively held: wait for both.
        while ((await engine.HasManifestAsync(failed.SnapshotId!, TestContext.Current.CancellationToken) || CountObjects() >= objectsBefore) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }

        Assert.False(await engine.HasManifestAsync(failed.SnapshotId!, TestContext.Current.CancellationToken));
        Assert.True(await engine.HasManifestAsync(kept.SnapshotId!, TestContext.Current.CancellationToken));
        Assert.True(CountObjects() < objectsBefore, "the failed snapshot's own objects were collected");
        await engine.VerifyAsync(kept.SnapshotId!, ct);
    }
}
