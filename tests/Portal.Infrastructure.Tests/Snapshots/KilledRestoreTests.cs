namespace Portal.Infrastructure.Tests.Snapshots;

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>
/// A real Portal process is killed (SIGKILL) at different points of a restore; nothing may be left half-replaced, and the
/// next start finishes the restore from its journal.
/// </summary>
public sealed class KilledRestoreTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";
    private static readonly string[] MountPaths = ["var", "pub/media", "app/etc"];

    /// <summary>
    /// The engine's part of a restore runs from 50 % (after the safety snapshot) to 99 %: three fixed points in it, plus one
    /// drawn anew on every run (its value is in the test's name, so a failure can be replayed).
    /// </summary>
    public static TheoryData<int> KillPoints
    {
        get
        {
            // Up to 90 %: the last few percent of bytes (and the swap after them) can pass between two progress reports.
            var drawn = Random.Shared.Next(52, 88);
            drawn += drawn >= 65 ? 1 : 0;
            drawn += drawn >= 80 ? 1 : 0;
            return new TheoryData<int>(51, 65, 80, drawn);
        }
    }

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task AKillDuringARestoreLeavesEachMountWhollyOldOrNewAndTheNextStartFinishesIt(int killAtPercent)
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 5);
        var ct = TestContext.Current.CancellationToken;
        var root = host.DemoRoot(Environment);
        // Enough incompressible data that rebuilding pub/media takes seconds, so each kill lands inside the restore.
        WriteBulk(Path.Combine(root, "pub", "media", "bulk"), files: 600, seed: killAtPercent);
        var snapshotted = State(root);

        Activity restore;
        Dictionary<string, string> changed;
        await using (var portal = await host.StartProcessAsync())
        {
            var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, ct));
            Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(snapshot.Id, TimeSpan.FromMinutes(2))).Result);

            Change(root);
            changed = State(root);
            restore = await host.InScopeAsync<SnapshotService, Activity>(s =>
                s.RestoreAsync(PortalTestHost.Alice, Project, Environment, snapshot.SnapshotId!, new RestoreOptions(), ct));
            await host.WaitUntilRunningAsync(portal, restore.Id, killAtPercent);
            await portal.KillAsync();
        }

        Assert.Equal(ActivityState.InProgress, (await host.ReadActivityAsync(restore.Id)).State);
        var afterKill = State(root);
        foreach (var part in afterKill.Keys)
        {
            Assert.True(afterKill[part] == snapshotted[part] || afterKill[part] == changed[part], $"{part} is neither the snapshot's nor the state before the restore");
        }

        // The next start finishes the restore: every part holds the snapshot; the safety snapshot still undoes it.
        await host.StartWorkerAsync();
        var finished = await host.WaitForCompletionAsync(restore.Id, TimeSpan.FromMinutes(2));
        Assert.True(finished.Result == ActivityResult.Success, finished.Log);
        Assert.Contains("Portal restarted during this restore", finished.Log, StringComparison.Ordinal);
        Assert.Equal(snapshotted, State(root));
        await UndoWithTheSafetySnapshotAsync(host);

        Assert.Equal(changed, State(root));
        Assert.Empty(await RestoreLeftovers.AfterBackgroundRemovalAsync(Path.Combine(root, "pub"), ".media.portal-*"));
    }

    [Fact]
    public async Task ARestoreKilledAfterItFinishedButBeforeItsActivityWasCompleteRunsAgainKeepingTheSafetySnapshotItTook()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 2);
        var ct = TestContext.Current.CancellationToken;
        var root = host.DemoRoot(Environment);
        WriteBulk(Path.Combine(root, "pub", "media", "bulk"), files: 3, seed: 1);
        var snapshotted = State(root);
        await host.StartWorkerAsync();
        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(snapshot.Id, TimeSpan.FromMinutes(2))).Result);
        Change(root);
        var changed = State(root);
        var restore = await host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Alice, Project, Environment, snapshot.SnapshotId!, new RestoreOptions(), ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(restore.Id, TimeSpan.FromMinutes(2))).Result);
        await host.StopWorkerAsync();

        // What a kill between the journal's removal and the activity's completion leaves: all restored, the activity in progress.
        await using (var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct))
        {
            await db.Activities.Where(a => a.Id == restore.Id).ExecuteUpdateAsync(set => set
                .SetProperty(a => a.State, ActivityState.InProgress)
                .SetProperty(a => a.Result, (ActivityResult?)null)
                .SetProperty(a => a.CompletedAt, (DateTimeOffset?)null), ct);
        }

        await host.StartWorkerAsync();
        var finished = await host.WaitForCompletionAsync(restore.Id, TimeSpan.FromMinutes(2));
        Assert.True(finished.Result == ActivityResult.Success, finished.Log);
        Assert.Contains("was taken by the interrupted run; keeping it", finished.Log, StringComparison.Ordinal);
        Assert.Equal(snapshotted, State(root));

        // The safety snapshot is still the one taken before the first run, so it undoes the restore.
        await UndoWithTheSafetySnapshotAsync(host);
        Assert.Equal(changed, State(root));
    }

    /// <summary>Restores the environment's one safety snapshot, which must be restorable and succeed.</summary>
    private static async Task UndoWithTheSafetySnapshotAsync(PortalTestHost host)
    {
        var ct = TestContext.Current.CancellationToken;
        var snapshots = await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(PortalTestHost.Alice, Project, Environment, ct));
        var safety = Assert.Single(snapshots, s => s.Snapshot.IsSafetySnapshot);
        Assert.True(safety.Restorable);
        var undo = await host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Alice, Project, Environment, safety.Snapshot.Id, new RestoreOptions { TakeSafetySnapshot = false }, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(undo.Id, TimeSpan.FromMinutes(2))).Result);
    }

    private static void WriteBulk(string folder, int files, int seed)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        var buffer = new byte[1 << 20];
        for (var i = 0; i < files; i++)
        {
            random.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(folder, $"photo-{i:D3}.jpg"), buffer);
        }
    }

    /// <summary>Changes in every mount and in the database, so each can be told apart from the snapshot.</summary>
    private static void Change(string root)
    {
        File.WriteAllText(Path.Combine(root, "app", "etc", "env.php"), "<?php return ['changed' => true];");
        File.WriteAllText(Path.Combine(root, "var", "log", "after.log"), "written after the snapshot");
        File.Delete(Path.Combine(root, "pub", "media", "bulk", "photo-000.jpg"));
        File.WriteAllBytes(Path.Combine(root, "pub", "media", "bulk", "photo-001.jpg"), [1, 2, 3]);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(root, "shop.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE catalog_product SET price = price + 1; INSERT INTO customer VALUES (1000, 'late@example.com', 'Late', 'Customer');";
        command.ExecuteNonQuery();
    }

    /// <summary>One fingerprint per mount and one for the database rows: each must be wholly one state or the other.</summary>
    private static Dictionary<string, string> State(string root)
    {
        var state = MountPaths.ToDictionary(m => m, m => string.Join('\n', DirectoryState.Capture(Path.Combine(root, m)).Select(e => $"{e.Key} {e.Value}")));
        state["shop.db"] = string.Join('\n', DirectoryState.CaptureDatabase(Path.Combine(root, "shop.db")).Select(e => $"{e.Key} {e.Value}"));
        return state;
    }
}
