namespace Portal.Infrastructure.Tests.Environments;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// Portal starts again on its own data with the projects it declared before, or with changed declarations, on either
/// metadata provider: the start succeeds and the database holds exactly what is declared (the start-up step in process;
/// RestartTests does the same with the real Portal process).
/// </summary>
public sealed class DeclaredProjectsOnExistingDataTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StartingAgainWithTheSameDeclarationsKeepsEveryRowAsItWas(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        ProjectDefinition Declared() => shop.Project(shop.Environment("master", type: EnvironmentType.Production), shop.Environment("staging", "master", EnvironmentType.Staging));

        await StartAndStopAsync(database, shop, Declared());
        var rows = await MetadataInventory.RowIdsAsync(database, shop.DataPath);
        await StartAndStopAsync(database, shop, Declared());

        await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [Declared()]);
        Assert.Equal(rows, await MetadataInventory.RowIdsAsync(database, shop.DataPath));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AnEnvironmentAddedOrChangedBetweenStartsIsWrittenAsDeclared(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        var master = shop.Environment("master", type: EnvironmentType.Production);
        await StartAndStopAsync(database, shop, shop.Project(master, shop.Environment("staging", "master", EnvironmentType.Staging)));
        var staging = (await MetadataInventory.RowIdsAsync(database, shop.DataPath))["shop/staging"];

        var changed = shop.Environment("staging", "integration", EnvironmentType.Development);
        changed.Title = "Staging, now a feature branch";
        changed.Plan = EnvironmentPlan.Pro;
        changed.PreSnapshotCommand = "bin/magento maintenance:enable";
        changed.PostSnapshotCommand = "bin/magento maintenance:disable";
        var declared = shop.Project(master, shop.Environment("integration", "master"), changed);
        await StartAndStopAsync(database, shop, declared);

        await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [declared]);
        Assert.Equal(staging, (await MetadataInventory.RowIdsAsync(database, shop.DataPath))["shop/staging"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ServicesAreMatchedByNameSoAnUnchangedOrMovedOneKeepsItsRow(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        var before = shop.Environment("master");
        before.Services.Add(new ServiceDefinition { Name = "database", Kind = ServiceKind.Sqlite, Location = "/srv/shop/shop.db" });
        before.Services.Add(shop.Mount("master", "store"));
        await StartAndStopAsync(database, shop, shop.Project(before));
        var rows = await MetadataInventory.RowIdsAsync(database, shop.DataPath);

        // pub/media unchanged, var moved, database removed, redis added, store now a SQLite file under the same name.
        var after = shop.Environment("master");
        after.Services[1].Location = shop.Mount("master", "var-moved").Location;
        after.Services.Add(new ServiceDefinition { Name = "redis", Kind = ServiceKind.Redis, Location = "127.0.0.1:6379,defaultDatabase=3" });
        after.Services.Add(new ServiceDefinition { Name = "store", Kind = ServiceKind.Sqlite, Location = "/srv/shop/store.db" });
        await StartAndStopAsync(database, shop, shop.Project(after));

        await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [shop.Project(after)]);
        var now = await MetadataInventory.RowIdsAsync(database, shop.DataPath);
        Assert.Equal((rows["shop/master/pub/media"], rows["shop/master/var"]), (now["shop/master/pub/media"], now["shop/master/var"]));
        Assert.NotEqual(rows["shop/master/store"], now["shop/master/store"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RestartWithARemovedEnvironmentKeepsItsSnapshotsAndMarksItInactiveUntilItIsDeclaredAgain(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        var dana = new Actor(DeclaredShop.Admin, "Dana");
        var master = shop.Environment("master", type: EnvironmentType.Production);
        var feature = shop.Environment("feature", "master");
        await StartAndStopAsync(database, shop, shop.Project(master, feature));
        var snapshot = await AddSnapshotAsync(database, shop, "feature");
        var rows = await MetadataInventory.RowIdsAsync(database, shop.DataPath);

        await using (var removed = await StartAsync(database, shop, shop.Project(master)))
        {
            await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [shop.Project(master)], (DeclaredShop.ProjectId, feature));
            var kept = Assert.Single(await removed.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(dana, DeclaredShop.ProjectId, "feature", Cancel)));
            Assert.Equal((snapshot, false), (kept.Snapshot.Id, kept.Restorable));
            Assert.Equal(RefusalCode.EnvironmentInactive, kept.NotRestorable?.Code);

            // Its folders may go with it: an inactive environment's services are no longer checked, so nothing warns about them.
            Directory.Delete(feature.Services[0].Location, recursive: true);
            await removed.Services.GetServices<IHostedService>().OfType<ServiceHealthMonitor>().Single().CheckAllAsync(Cancel);
            Assert.Empty(removed.Get<ServiceHealth>().ProblemsOf(rows["shop/feature"]));
        }

        await using (var again = await StartAsync(database, shop, shop.Project(master, feature)))
        {
            await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [shop.Project(master, feature)]);
            Assert.Equal(rows, await MetadataInventory.RowIdsAsync(database, shop.DataPath));
            var back = Assert.Single(await again.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(dana, DeclaredShop.ProjectId, "feature", Cancel)));
            Assert.Equal((snapshot, true), (back.Snapshot.Id, back.Restorable));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AProjectDeclaredWithNoEnvironmentsKeepsThemAllInactive(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        var master = shop.Environment("master", type: EnvironmentType.Production);
        var staging = shop.Environment("staging", "master", EnvironmentType.Staging);
        await StartAndStopAsync(database, shop, shop.Project(master, staging));

        await StartAndStopAsync(database, shop, shop.Project());

        await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [shop.Project()], (DeclaredShop.ProjectId, master), (DeclaredShop.ProjectId, staging));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task APausedOrDirtyEnvironmentKeepsItsStatusWhetherItIsStillDeclaredOrRemoved(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        string[] names = ["master", "staging", "feature", "gone"];
        await StartAndStopAsync(database, shop, shop.Project([.. names.Select(n => shop.Environment(n))]));
        await SetStatusAsync(database, shop, ("master", EnvironmentStatus.Paused), ("staging", EnvironmentStatus.Dirty), ("feature", EnvironmentStatus.Paused));

        await StartAndStopAsync(database, shop, shop.Project(shop.Environment("master"), shop.Environment("staging")));

        await using var db = MetadataInventory.Open(database, shop.DataPath);
        var statuses = await db.Environments.OrderBy(e => e.Name).Select(e => $"{e.Name} {e.Status}").ToListAsync(Cancel);
        Assert.Equal(["feature Paused", "gone Inactive", "master Paused", "staging Dirty"], statuses);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AnAdminAddedBetweenStartsIsAProjectAdminBesideTheFirst(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        await StartAndStopAsync(database, shop, shop.Project(shop.Environment("master")));

        var declared = shop.Project(shop.Environment("master"));
        declared.Admins.Add("erin");
        await using var host = await StartAsync(database, shop, declared);

        await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [declared]);
        var view = await host.InScopeAsync<EnvironmentDirectory, EnvironmentView>(d => d.GetAsync(new Actor("erin", "erin"), DeclaredShop.ProjectId, "master", Cancel));
        Assert.Equal(EnvironmentRole.Admin, view.Role);
    }

    [Fact]
    public async Task NodesApplyingTheSameDeclarationsToOneDatabaseAtOnceAllStart()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        using var shop = new DeclaredShop();
        var declared = shop.Project(shop.Environment("master"), shop.Environment("staging", "master"));
        await StartAndStopAsync(database, shop);

        // Four nodes past their migrations, each writing the same new rows the same instant.
        var nodes = new List<PortalTestHost>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                nodes.Add(await PortalTestHost.StartAsync(database, dataPath: Path.Combine(shop.DataPath, $"node-{i}"), settings: DeclaredShop.Settings(declared), initialize: false));
            }

            await Task.WhenAll(nodes.Select(n => n.Get<ConfiguredProjectsSync>().ApplyAsync(Cancel)));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }

        await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [declared]);
    }

    /// <summary>Portal's start-up step on the shop's data folder, with these declarations; the test disposes the host.</summary>
    private static Task<PortalTestHost> StartAsync(TestDatabase database, DeclaredShop shop, params ProjectDefinition[] declared) =>
        PortalTestHost.StartAsync(database, dataPath: shop.DataPath, settings: DeclaredShop.Settings(declared));

    private static async Task StartAndStopAsync(TestDatabase database, DeclaredShop shop, params ProjectDefinition[] declared)
    {
        await using var host = await StartAsync(database, shop, declared);
    }

    private static async Task<string> AddSnapshotAsync(TestDatabase database, DeclaredShop shop, string environmentName)
    {
        await using var db = MetadataInventory.Open(database, shop.DataPath);
        var environment = await db.Environments.SingleAsync(e => e.ProjectId == DeclaredShop.ProjectId && e.Name == environmentName, Cancel);
        var snapshot = TestSnapshots.Created(environment, DateTimeOffset.UtcNow.AddHours(-1), DeclaredShop.Admin);
        db.Snapshots.Add(snapshot);
        await db.SaveChangesAsync(Cancel);
        return snapshot.Id;
    }

    /// <summary>What an activity, or a recovery after a crash, writes while the environment is not to be touched.</summary>
    private static async Task SetStatusAsync(TestDatabase database, DeclaredShop shop, params (string Environment, EnvironmentStatus Status)[] statuses)
    {
        await using var db = MetadataInventory.Open(database, shop.DataPath);
        foreach (var (name, status) in statuses)
        {
            await db.Environments.Where(e => e.Name == name).ExecuteUpdateAsync(set => set.SetProperty(e => e.Status, status), Cancel);
        }
    }
}
