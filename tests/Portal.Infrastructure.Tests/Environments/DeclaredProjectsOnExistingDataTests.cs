namespace Portal.Infrastructure.Tests.Environments;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// Declarations applied again on existing data, through Portal's start-up step in process, for what the real-process
/// RestartTests cannot set up or see: statuses only an activity writes, nodes starting at the same instant, the service
/// checks. Both metadata providers.
/// </summary>
public sealed class DeclaredProjectsOnExistingDataTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> Providers => TestDatabase.Providers;

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
    public async Task AServiceWhoseKindChangedIsReplacedUnderItsNameAndTheOthersKeepTheirRows(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        await StartAndStopAsync(database, shop, shop.Project(shop.Environment("master")));
        var rows = await MetadataInventory.RowIdsAsync(database, shop.DataPath);

        var declared = shop.Project(shop.Environment("master"));
        declared.Environments[0].Services[1] = new ServiceDefinition { Name = "var", Kind = ServiceKind.Sqlite, Location = "/srv/shop/var.db" };
        await StartAndStopAsync(database, shop, declared);

        await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, [declared]);
        var now = await MetadataInventory.RowIdsAsync(database, shop.DataPath);
        Assert.Equal(rows["shop/master/pub/media"], now["shop/master/pub/media"]);
        Assert.NotEqual(rows["shop/master/var"], now["shop/master/var"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ARemovedEnvironmentsServicesAreNoLongerCheckedSoItsMissingFoldersWarnOfNothing(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        var master = shop.Environment("master");
        var feature = shop.Environment("feature", "master");
        await StartAndStopAsync(database, shop, shop.Project(master, feature));
        Directory.Delete(feature.Services[0].Location, recursive: true);
        Directory.Delete(master.Services[0].Location, recursive: true);

        await using var host = await PortalTestHost.StartAsync(database, dataPath: shop.DataPath, settings: DeclaredShop.Settings(shop.Project(master)));
        await host.Services.GetServices<IHostedService>().OfType<ServiceHealthMonitor>().Single().CheckAllAsync(Cancel);

        var rows = await MetadataInventory.RowIdsAsync(database, shop.DataPath);
        Assert.Empty(host.Get<ServiceHealth>().ProblemsOf(rows["shop/feature"]));
        Assert.Single(host.Get<ServiceHealth>().ProblemsOf(rows["shop/master"]));
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

    /// <summary>Portal's start-up step (migrations, then these declarations) on the shop's data folder.</summary>
    private static async Task StartAndStopAsync(TestDatabase database, DeclaredShop shop, params ProjectDefinition[] declared)
    {
        await using var host = await PortalTestHost.StartAsync(database, dataPath: shop.DataPath, settings: DeclaredShop.Settings(declared));
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
