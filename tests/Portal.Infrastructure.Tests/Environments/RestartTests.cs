namespace Portal.Infrastructure.Tests.Environments;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// The real Portal (the built Portal.Web as a child process) with declared projects, stopped with SIGTERM or killed with
/// SIGKILL and started again on its own data, with the same declarations or changed ones, on SQLite and on PostgreSQL:
/// every start answers /health and leaves the metadata database holding exactly what is declared, plus the removed
/// environments, inactive, with their snapshots.
/// </summary>
public sealed class RestartTests
{
    private const string Sigterm = "SIGTERM";
    private const string Sigkill = "SIGKILL";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> Providers => TestDatabase.Providers;

    public static TheoryData<string, string> ProvidersAndStops => new()
    {
        { TestDatabase.Sqlite, Sigterm },
        { TestDatabase.Sqlite, Sigkill },
        { TestDatabase.PostgreSql, Sigterm },
        { TestDatabase.PostgreSql, Sigkill },
    };

    [Theory]
    [MemberData(nameof(ProvidersAndStops))]
    public async Task RestartWithTheSameDeclarationsAfterAStopOrAKillStartsAndChangesNoRow(string provider, string stop)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        ProjectDefinition Declared() => shop.Project(shop.Environment("master", type: EnvironmentType.Production), shop.Environment("staging", "master", EnvironmentType.Staging));
        await using var portal = Portal(database, shop).Declare(Declared());
        await portal.StartAsync(Cancel);
        var rows = await MetadataInventory.RowIdsAsync(database, shop.DataPath);

        await StopAsync(portal, stop);
        await portal.StartAsync(Cancel);

        await AssertStartedAsync(portal, database, shop, [Declared()]);
        Assert.Equal(rows, await MetadataInventory.RowIdsAsync(database, shop.DataPath));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RestartAppliesAnEnvironmentAddedAndOneChangedAndAnAdminAdded(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        var master = shop.Environment("master", type: EnvironmentType.Production);
        await using var portal = Portal(database, shop).Declare(shop.Project(master, shop.Environment("staging", "master", EnvironmentType.Staging)));
        await portal.StartAsync(Cancel);
        await StopAsync(portal, Sigterm);

        var staging = shop.Environment("staging", "integration", EnvironmentType.Development);
        staging.Title = "Staging, now a feature branch";
        staging.Plan = EnvironmentPlan.Pro;
        staging.PreSnapshotCommand = "true pre";
        staging.PostSnapshotCommand = "true post";
        var declared = shop.Project(master, shop.Environment("integration", "master"), staging);
        declared.Admins.Add("erin");
        await portal.Declare(declared).StartAsync(Cancel);

        await AssertStartedAsync(portal, database, shop, [declared]);
        using var erin = await portal.SignedInClientAsync("erin", Cancel);
        var environments = await erin.GetFromJsonAsync<JsonElement>(new Uri("api/projects/shop/environments", UriKind.Relative), Cancel);
        Assert.Equal(["integration", "master", "staging"], environments.EnumerateArray().Select(e => e.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RestartAppliesServicesAddedMovedAndRemovedAndKeepsTheRowsOfTheOnesThatStay(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        var before = shop.Environment("master");
        before.Services.Add(new ServiceDefinition { Name = "database", Kind = ServiceKind.Sqlite, Location = "/srv/shop/shop.db" });
        await using var portal = Portal(database, shop).Declare(shop.Project(before));
        await portal.StartAsync(Cancel);
        var rows = await MetadataInventory.RowIdsAsync(database, shop.DataPath);
        await StopAsync(portal, Sigkill);

        // pub/media stays, var moves, database goes, redis comes.
        var after = shop.Environment("master");
        after.Services[1].Location = shop.Mount("master", "var-moved").Location;
        after.Services.Add(new ServiceDefinition { Name = "redis", Kind = ServiceKind.Redis, Location = $"127.0.0.1:{Loopback.FreePort()}" });
        await portal.Declare(shop.Project(after)).StartAsync(Cancel);

        await AssertStartedAsync(portal, database, shop, [shop.Project(after)]);
        var now = await MetadataInventory.RowIdsAsync(database, shop.DataPath);
        Assert.Equal((rows["shop/master/pub/media"], rows["shop/master/var"]), (now["shop/master/pub/media"], now["shop/master/var"]));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RestartWithARemovedEnvironmentKeepsItsSnapshotsAndMarksItInactiveUntilItIsDeclaredAgain(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var shop = new DeclaredShop();
        var master = shop.Environment("master", type: EnvironmentType.Production);
        var feature = shop.Environment("feature", "master");
        await using var portal = Portal(database, shop).Declare(shop.Project(master, feature));
        await portal.StartAsync(Cancel);
        var snapshot = await DeclaredShop.TakeSnapshotAsync(portal, "feature");
        await StopAsync(portal, Sigterm);

        await portal.Declare(shop.Project(master)).StartAsync(Cancel);
        await AssertStartedAsync(portal, database, shop, [shop.Project(master)], (DeclaredShop.ProjectId, feature));
        Assert.Equal(("inactive", snapshot, false), await FeatureAsync(portal));
        await StopAsync(portal, Sigkill);

        await portal.Declare(shop.Project(master, feature)).StartAsync(Cancel);
        await AssertStartedAsync(portal, database, shop, [shop.Project(master, feature)]);
        Assert.Equal(("active", snapshot, true), await FeatureAsync(portal));
    }

    /// <summary>Portal over the shop's data folder and the test database, the demo project off.</summary>
    private static PortalProcess Portal(TestDatabase database, DeclaredShop shop)
    {
        var portal = new PortalProcess(shop.DataPath);
        foreach (var (key, value) in database.Settings.Concat(DeclaredShop.Settings()))
        {
            portal.Settings[key] = value;
        }

        return portal;
    }

    private static async Task StopAsync(PortalProcess portal, string stop)
    {
        if (stop == Sigterm)
        {
            Assert.Equal(0, await portal.StopAsync(Cancel));
        }
        else
        {
            await portal.KillAsync();
        }
    }

    private static async Task AssertStartedAsync(PortalProcess portal, TestDatabase database, DeclaredShop shop, ProjectDefinition[] declared,
        params (string Project, EnvironmentDefinition Environment)[] removed)
    {
        using var client = portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("health", UriKind.Relative), Cancel)).StatusCode);
        await MetadataInventory.AssertHoldsAsync(database, shop.DataPath, declared, removed);
    }

    /// <summary>The feature environment's status and its one snapshot with whether it can be restored, as the REST API shows them.</summary>
    private static async Task<(string? Status, string? Snapshot, bool Restorable)> FeatureAsync(PortalProcess portal)
    {
        using var dana = await portal.SignedInClientAsync(DeclaredShop.Admin, Cancel);
        var environment = await dana.GetFromJsonAsync<JsonElement>(new Uri("api/projects/shop/environments/feature", UriKind.Relative), Cancel);
        var snapshots = await dana.GetFromJsonAsync<JsonElement>(new Uri("api/projects/shop/environments/feature/snapshots", UriKind.Relative), Cancel);
        var snapshot = Assert.Single(snapshots.EnumerateArray());
        return (environment.GetProperty("status").GetString(), snapshot.GetProperty("id").GetString(), snapshot.GetProperty("restorable").GetBoolean());
    }
}
