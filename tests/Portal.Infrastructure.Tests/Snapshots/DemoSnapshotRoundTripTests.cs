namespace Portal.Infrastructure.Tests.Snapshots;

using Microsoft.Data.Sqlite;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Tests.Support;

public sealed class DemoSnapshotRoundTripTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";

    [Fact]
    public async Task SnapshotThenChangesThenRestoreBringsEveryFileAndRowBackExactly()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 120);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var root = host.DemoRoot(Environment);
        var database = Path.Combine(root, "shop.db");
        var filesBefore = Mounts(root);
        var rowsBefore = DirectoryState.CaptureDatabase(database);

        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(snapshot.Id)).Result);

        // Changes a shop makes after the snapshot: files added, edited, removed; rows inserted, updated, deleted.
        File.WriteAllText(Path.Combine(root, "app", "etc", "env.php"), "<?php return ['broken' => true];");
        File.Delete(Directory.EnumerateFiles(Path.Combine(root, "pub", "media"), "*.jpg", SearchOption.AllDirectories).First());
        File.WriteAllText(Path.Combine(root, "var", "log", "new.log"), "written after the snapshot");
        Directory.CreateDirectory(Path.Combine(root, "pub", "media", "import"));
        using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            using var change = connection.CreateCommand();
            change.CommandText = """
                INSERT INTO customer VALUES (1000, 'late@example.com', 'Late', 'Customer');
                UPDATE catalog_product SET price = 0 WHERE entity_id <= 10;
                DELETE FROM sales_order_item WHERE order_id = 5;
                """;
            change.ExecuteNonQuery();
        }

        var changedFiles = Mounts(root);
        var changedRows = DirectoryState.CaptureDatabase(database);
        Assert.NotEqual(filesBefore, changedFiles);
        Assert.NotEqual(rowsBefore, changedRows);

        var review = await host.InScopeAsync<SnapshotService, RestoreReview>(s =>
            s.ReviewRestoreAsync(PortalTestHost.Alice, Project, Environment, snapshot.SnapshotId!, null, ct));
        Assert.False(review.Estimate.FromHistory);

        var restore = await host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Alice, Project, Environment, snapshot.SnapshotId!, new RestoreOptions(), ct));
        var restored = await host.WaitForCompletionAsync(restore.Id);
        Assert.Equal(ActivityResult.Success, restored.Result);

        Assert.Equal(filesBefore, Mounts(root));
        Assert.Equal(rowsBefore, DirectoryState.CaptureDatabase(database));

        // The next estimate comes from this restore's own throughput.
        review = await host.InScopeAsync<SnapshotService, RestoreReview>(s =>
            s.ReviewRestoreAsync(PortalTestHost.Alice, Project, Environment, snapshot.SnapshotId!, null, ct));
        Assert.Equal(1, review.Estimate.FromRestores);

        // Rule 5: the restore first took a safety snapshot, so the restore itself can be undone.
        var snapshots = await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(PortalTestHost.Alice, Project, Environment, ct));
        var safety = Assert.Single(snapshots, s => s.Snapshot.IsSafetySnapshot);
        Assert.True(safety.Restorable);
        var undo = await host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Alice, Project, Environment, safety.Snapshot.Id, new RestoreOptions { TakeSafetySnapshot = false }, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(undo.Id)).Result);
        Assert.Equal(changedFiles, Mounts(root));
        Assert.Equal(changedRows, DirectoryState.CaptureDatabase(database));
    }

    private static SortedDictionary<string, string> Mounts(string root)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var mount in new[] { "var", "pub/media", "app/etc" })
        {
            foreach (var (path, entry) in DirectoryState.Capture(Path.Combine(root, mount)))
            {
                all[$"{mount}/{path}"] = entry;
            }
        }

        return all;
    }
}
