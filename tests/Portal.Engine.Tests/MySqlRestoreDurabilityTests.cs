namespace Portal.Engine.Tests;

using System.Text.RegularExpressions;
using MySqlConnector;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.MySql;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>
/// A MariaDB restore changes nothing before everything it needs is proven, keeps the old tables until the new ones are in,
/// puts the old state back when its commit fails, and converges when a killed commit is prepared and committed again.
/// </summary>
public abstract partial class MySqlSnapshotTests
{
    /// <summary>Privileges a shop user gets in these tests: everything on its database except INSERT, which a test grants or revokes.</summary>
    private const string AllButInsert = "SELECT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, "
        + "CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER";

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task ACommitKilledAfterAnyOfItsStepsConvergesWhenPreparedAndCommittedAgain(int steps)
    {
        var db = await NewDatabaseAsync();
        await SeedEverythingAsync(db);
        var snapshot = await FullStateAsync(db);
        await Ws.CaptureAsync("s1", Spec(db));
        await MutateEverythingAsync(db);

        await KillCommitAfterAsync("s1", Spec(db), steps);
        await Ws.RestoreAsync("s1", Spec(db));

        Assert.Equal(snapshot, await FullStateAsync(db));
        Assert.Equal("", await LeftoversAsync(db));
    }

    [Fact]
    public async Task APreparedRestoreThatIsNotCommittedRemovesWhatItStagedWhenDisposed()
    {
        var db = await NewDatabaseAsync();
        await SeedEverythingAsync(db);
        await Ws.CaptureAsync("s1", Spec(db));
        await MutateEverythingAsync(db);
        var before = await FullStateAsync(db);

        await using (var prepared = await PrepareAsync("s1", Spec(db)))
        {
            Assert.NotEqual("", await LeftoversAsync(db));
        }

        Assert.Equal(before, await FullStateAsync(db));
        Assert.Equal("", await LeftoversAsync(db));
    }

    [Fact]
    public async Task TwoCommitsKilledAfterTheirSwitchKeepBothHeldGenerationsUntilAThirdCompletes()
    {
        var db = await NewDatabaseAsync();
        await SeedEverythingAsync(db);
        var snapshot = await FullStateAsync(db);
        await Ws.CaptureAsync("s1", Spec(db));
        await MutateEverythingAsync(db);

        await KillCommitAfterAsync("s1", Spec(db), 3);
        await KillCommitAfterAsync("s1", Spec(db), 3);
        Assert.Equal(2, Regex.Count(await LeftoversAsync(db), "held"));
        await Ws.RestoreAsync("s1", Spec(db));

        Assert.Equal(snapshot, await FullStateAsync(db));
        Assert.Equal("", await LeftoversAsync(db));
    }

    [Fact]
    public async Task TheReplacedTablesAreDroppedAfterTheRestoreReturnsAndTheNextStartDropsThoseAKillLeft()
    {
        var db = await NewDatabaseAsync();
        await SeedEverythingAsync(db);
        var snapshot = await FullStateAsync(db);
        await Ws.CaptureAsync("s1", Spec(db));
        await MutateEverythingAsync(db);
        var killed = new TaskCompletionSource();
        Ws.Engine.HoldHeldTableDropsUntil(killed.Task);

        await Ws.RestoreAsync("s1", Spec(db));
        Assert.Equal(snapshot, await FullStateAsync(db));
        Assert.Equal(1, Regex.Count(await MariaDbShop.LeftoversAsync(Server, db), "held"));

        using (var restarted = TestEngines.Create(Ws.Options))
        {
            Assert.Equal(1, restarted.HeldTablesPending);
            restarted.ResumeLeftovers(Spec(db));
            await restarted.WhenHeldTablesDroppedAsync();
            Assert.Equal(0, restarted.HeldTablesPending);
        }

        Assert.Equal("", await MariaDbShop.LeftoversAsync(Server, db));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Ws.StorePath, "removals"), "*.held"));
        killed.SetResult();
        Assert.Equal("", await LeftoversAsync(db));
        Assert.Equal(snapshot, await FullStateAsync(db));
    }

    [Fact]
    public async Task ADropRecordNamingAnythingButAHoldingDatabaseOfItsOwnTargetIsDiscardedAndNothingIsDropped()
    {
        var db = await NewDatabaseAsync();
        var bystander = await NewDatabaseAsync();
        await SeedEverythingAsync(db);
        await SeedEverythingAsync(bystander);
        var before = (await FullStateAsync(db), await FullStateAsync(bystander));
        var removals = Path.Combine(Ws.StorePath, "removals");
        var server = new MySqlConnectionStringBuilder(Server);
        // The target itself, another database, and a holding database of another target: none is a holding database of db's.
        foreach (var (name, holding) in new[] { ("target", db), ("bystander", bystander), ("other", MariaDbShop.PlacesBeside(bystander).HoldingPrefix + "abcdef") })
        {
            await File.WriteAllTextAsync(Path.Combine(removals, name + ".held"), $"{server.Server}\n{server.Port}\n{db}\n{holding}\n/var/lib/mysql", Workspace.Token);
        }

        using var restarted = TestEngines.Create(Ws.Options);
        restarted.ResumeLeftovers(Spec(db));
        await restarted.WhenHeldTablesDroppedAsync();

        Assert.Equal(0, restarted.HeldTablesPending);
        Assert.Empty(Directory.EnumerateFiles(removals, "*.held"));
        Assert.Equal(before, (await FullStateAsync(db), await FullStateAsync(bystander)));
    }

    [Fact]
    public async Task ARestoreByAUserWithoutInsertIsRefusedBeforeAnythingChangesAndNamesThePrivilege()
    {
        var (db, shop, before) = await SnapshotThenLoseInsertAsync();

        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => Ws.RestoreAsync("s1", shop.Spec));

        Assert.Contains($"the MariaDB user {shop.User.Replace("'", "", StringComparison.Ordinal)} lacks INSERT (needed to restore)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await FullStateAsync(db));
        Assert.Equal("", await LeftoversAsync(db));
    }

    [Fact]
    public async Task ACommitRefusedAtItsSwitchPutsBackEveryTableViewTriggerRoutineAndEvent()
    {
        var (db, shop, before) = await SnapshotThenLoseInsertAsync();
        // Without the prepare's check, the commit itself meets the refusal: RENAME TABLE needs INSERT on the new name.
        Ws.Options.MySqlPreflight = false;

        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => Ws.RestoreAsync("s1", shop.Spec));

        Assert.Contains("switching the new tables into", ex.Message, StringComparison.Ordinal);
        Assert.Contains("INSERT command denied", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The database was left as it was.", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await FullStateAsync(db));
        Assert.Equal("", await LeftoversAsync(db));
    }

    /// <summary>A database its shop user seeded, snapshotted and changed, after which that user lost INSERT; with its state then.</summary>
    private async Task<(string Db, (string User, ServiceSpec Spec) Shop, string Before)> SnapshotThenLoseInsertAsync()
    {
        var db = await NewDatabaseAsync();
        var shop = await ShopUserAsync(db);
        // The shop user defines every view, trigger and routine, as in a real shop: putting them back keeps their definer.
        await SeedEverythingAsync(db, shop);
        await Ws.CaptureAsync("s1", Spec(db));
        await MutateEverythingAsync(db, shop);
        await ExecuteAsync("", $"REVOKE INSERT ON `{db}`.* FROM {shop.User}");
        return (db, shop, await FullStateAsync(db));
    }

    /// <summary>Prepares a restore and runs only the first steps of its commit, then abandons it as a SIGKILL would: no rollback, no cleanup.</summary>
    private protected async Task KillCommitAfterAsync(string snapshotId, ServiceSpec target, int steps)
    {
        var prepared = await PrepareAsync(snapshotId, target);
        Assert.InRange(steps, 0, prepared.Steps.Count);
        await prepared.RunStepsAsync(steps, Workspace.Token);
    }

    /// <summary>The adapter's prepare alone, as the engine runs it before any commit.</summary>
    private async Task<MySqlSwitch> PrepareAsync(string snapshotId, ServiceSpec target)
    {
        var entry = Manifest.FromJson(File.ReadAllBytes(Ws.ManifestFile(snapshotId)), snapshotId).Services.Single();
        var context = new EngineContext(new FileSystemObjectStore(Ws.StorePath), Ws.Options, new EngineCounters(), new ProgressTracker(Workspace.NoProgress), Workspace.Token);
        return Assert.IsType<MySqlSwitch>(await new MySqlAdapter(Ws.Options).PrepareRestoreAsync(entry, target, context));
    }

    /// <summary>A user with every privilege on db but INSERT (granted until the test revokes it) and on portal_* databases, as a spec.</summary>
    private protected async Task<(string User, ServiceSpec Spec)> ShopUserAsync(string db)
    {
        var name = TestServers.UniqueName("shop_");
        TrackUser(name);
        foreach (var host in new[] { "127.0.0.1", "localhost" })
        {
            await ExecuteAsync("", $"""
                CREATE USER '{name}'@'{host}' IDENTIFIED BY 'shop-pw';
                GRANT {AllButInsert}, INSERT ON `{db}`.* TO '{name}'@'{host}';
                GRANT ALL ON `portal\_%`.* TO '{name}'@'{host}';
                """);
        }

        return ($"'{name}'@'127.0.0.1'", MariaDbShop.As(Spec(db), name, "shop-pw"));
    }

    private protected Task SeedEverythingAsync(string db, (string User, ServiceSpec Spec)? asUser = null) =>
        MariaDbShop.ExecuteAsync(asUser?.Spec.Location ?? Spec(db).Location, MariaDbShop.Seed);

    private protected Task MutateEverythingAsync(string db, (string User, ServiceSpec Spec)? asUser = null) =>
        MariaDbShop.ExecuteAsync(asUser?.Spec.Location ?? Spec(db).Location, MariaDbShop.Mutation);

    private protected Task<string> FullStateAsync(string db) => MariaDbShop.StateAsync(Spec(db).Location);

    /// <summary>What restores of db left once the engine's background drops of replaced tables are done.</summary>
    private protected async Task<string> LeftoversAsync(string db)
    {
        await Ws.Engine.WhenHeldTablesDroppedAsync();
        return await MariaDbShop.LeftoversAsync(Server, db);
    }
}
