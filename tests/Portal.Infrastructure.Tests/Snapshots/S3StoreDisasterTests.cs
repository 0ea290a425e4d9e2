namespace Portal.Infrastructure.Tests.Snapshots;

using System.Net.Http.Json;
using System.Text.Json;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// Issue #15's disaster with every kind of service: a shop with a media mount, a SQLite file, a MariaDB and a PostgreSQL
/// database and Redis sessions is snapshotted into the S3 store; Portal then loses its database and data folder and the shop
/// changes everywhere. A fresh Portal on the same bucket and declarations finds the snapshot and puts every service back.
/// </summary>
public sealed class S3StoreDisasterTests : IAsyncLifetime
{
    // The bucket first: without the test server the constructor skips (or fails under CI) before anything is created.
    private readonly TestBucket _bucket = new("portal-disaster-");
    private readonly KillHarnessShop _shop = new(redisDatabase: 12);
    private readonly string _dataPath = Directory.CreateTempSubdirectory("portal-disaster-data-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Snapshots => $"api/projects/{KillHarnessShop.Project}/environments/{KillHarnessShop.Environment}/snapshots";

    public ValueTask InitializeAsync() => _shop.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _shop.DisposeAsync();
            _bucket.Dispose();
        }
        finally
        {
            if (Directory.Exists(_dataPath))
            {
                Directory.Delete(_dataPath, recursive: true);
            }
        }
    }

    [Fact]
    public async Task AFreshPortalOnTheSameBucketPutsBackEveryKindOfServiceFromASnapshotTheLostPortalTook()
    {
        var before = await _shop.StateAsync();
        JsonElement taken;
        await using (var lostDatabase = await TestDatabase.CreateAsync(TestDatabase.PostgreSql))
        await using (var lost = S3Portal(lostDatabase))
        {
            await lost.StartAsync(Cancel);
            using var alice = await lost.SignedInClientAsync(PortalTestHost.Alice.UserId, Cancel);
            var snapshot = await DeclaredShop.RunAsync(lost, alice, Snapshots, new Dictionary<string, object> { ["live"] = false });
            Assert.True(snapshot.GetProperty("result").GetString() == "success", snapshot.GetProperty("log").GetString());
            taken = Assert.Single((await alice.GetFromJsonAsync<JsonElement>(new Uri(Snapshots, UriKind.Relative), Cancel)).EnumerateArray());
            Assert.Equal(0, await lost.StopAsync(Cancel));
        }

        // The disaster: Portal's database is gone (dropped above), so is its data folder, and the shop moved on everywhere.
        Directory.Delete(_dataPath, recursive: true);
        await _shop.ChangeAsync(round: 1);
        Assert.NotEqual(before, await _shop.StateAsync());

        await using var freshDatabase = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var fresh = S3Portal(freshDatabase);
        fresh.Settings["Snapshots:ReindexOnStart"] = "true";
        await fresh.StartAsync(Cancel);
        Assert.Contains("Reindex: 1 manifests, 1 added, 0 already known, 0 skipped", fresh.Output, StringComparison.Ordinal);
        using var again = await fresh.SignedInClientAsync(PortalTestHost.Alice.UserId, Cancel);
        var found = Assert.Single((await again.GetFromJsonAsync<JsonElement>(new Uri(Snapshots, UriKind.Relative), Cancel)).EnumerateArray());
        // Everything the list said before the disaster, it says again: id, dates, who, live or safe, sizes, restorable.
        Assert.Equal(taken.ToString(), found.ToString());
        Assert.True(found.GetProperty("restorable").GetBoolean(), found.ToString());
        var restore = await DeclaredShop.RunAsync(fresh, again, $"{Snapshots}/{found.GetProperty("id").GetString()}/restore",
            new Dictionary<string, object> { ["safety_snapshot"] = false });
        Assert.True(restore.GetProperty("result").GetString() == "success", restore.GetProperty("log").GetString());
        Assert.Equal(before, await _shop.StateAsync());
    }

    /// <summary>Portal over this test's data folder with the S3 store under this test's prefix, on this database.</summary>
    private PortalProcess S3Portal(TestDatabase database)
    {
        var portal = new PortalProcess(_dataPath);
        foreach (var (key, value) in _shop.Settings().Concat(database.Settings))
        {
            portal.Settings[key] = value;
        }

        return _bucket.Serve(portal);
    }
}
