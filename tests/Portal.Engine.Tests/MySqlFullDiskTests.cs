namespace Portal.Engine.Tests;

using MySqlConnector;
using Portal.Contracts;

/// <summary>
/// A MariaDB restore on a server whose disk cannot take the new copy of the tables: refused before anything changes when
/// Portal can see that (it reaches the data directory), and still leaving the database as it was when the disk fills up
/// while the new tables are built. Either way the message names the data directory and the space the restore needs.
/// </summary>
public sealed class MySqlFullDiskTests(SmallDiskMariaDb server) : IClassFixture<SmallDiskMariaDb>, IAsyncLifetime
{
    /// <summary>About 20 MB of rows beside the shop: the restore needs that much again while the old tables are kept.</summary>
    private const string Media = """
        CREATE TABLE media (id INT PRIMARY KEY, body BLOB) ENGINE=InnoDB;
        SET SESSION max_recursive_iterations = 100000;
        INSERT INTO media WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i, RANDOM_BYTES(1000) FROM n;
        """;

    private readonly Workspace _ws = new();
    private readonly string _db = TestServers.UniqueName("portal_disk_");

    private ServiceSpec Spec => new("db", ServiceKind.MySql, new MySqlConnectionStringBuilder(server.Server) { Database = _db }.ConnectionString);

    public async ValueTask InitializeAsync()
    {
        server.Require();
        await MariaDbShop.ExecuteAsync(server.Server, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        await MariaDbShop.ExecuteAsync(Spec.Location, MariaDbShop.Seed + Media);
    }

    public async ValueTask DisposeAsync()
    {
        server.FreeAll();
        if (server.Server.Length > 0)
        {
            await MariaDbShop.ExecuteAsync(server.Server, $"DROP DATABASE IF EXISTS `{_db}`");
        }

        _ws.Dispose();
    }

    [Theory]
    [InlineData(MySqlMethod.Auto)]
    [InlineData(MySqlMethod.Logical)]
    public async Task ARestoreTheDiskCannotHoldIsRefusedBeforeAnythingChangesNamingTheDataDirectoryAndTheSpaceNeeded(MySqlMethod method)
    {
        var before = await SnapshotAndChangeAsync(method);
        server.LeaveFree(8L << 20);

        await AssertRefusedLeavingTheDatabaseAsItWasAsync(
            before, $"free in its data directory {server.DataDirectory}, and this restore needs about ", "nothing was changed");
    }

    [Theory]
    [InlineData(MySqlMethod.Auto)]
    [InlineData(MySqlMethod.Logical)]
    public async Task ADiskThatFillsWhileTheNewTablesAreBuiltLeavesTheDatabaseAsItWasAndSaysWhatIsNeeded(MySqlMethod method)
    {
        var before = await SnapshotAndChangeAsync(method);
        server.LeaveFree(8L << 20);
        // Without the prepare's own check, the disk fills while the new tables are written.
        _ws.Options.MySqlPreflight = false;

        await AssertRefusedLeavingTheDatabaseAsItWasAsync(
            before, $"ran out of disk space in its data directory {server.DataDirectory} while the restore was building the new tables; it needs about ", "the database was not changed");
    }

    /// <summary>Restores s1 expecting a refusal that says all of what, then checks the database and the disk are as they were.</summary>
    private async Task AssertRefusedLeavingTheDatabaseAsItWasAsync(string before, params string[] what)
    {
        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.RestoreAsync("s1", Spec));

        server.FreeAll();
        Assert.All(what, w => Assert.Contains(w, ex.Message, StringComparison.Ordinal));
        Assert.Equal(before, await MariaDbShop.StateAsync(Spec.Location));
        Assert.Equal("", await MariaDbShop.LeftoversAsync(server.Server, _db));
    }

    /// <summary>Takes the snapshot (table files or rows as text), then changes the database; returns its state after the change.</summary>
    private async Task<string> SnapshotAndChangeAsync(MySqlMethod method)
    {
        _ws.Options.MySqlMethod = method;
        await _ws.CaptureAsync("s1", Spec);
        Assert.Equal(method == MySqlMethod.Auto, File.ReadAllText(_ws.ManifestFile("s1")).Contains("\"tablespaces\"", StringComparison.Ordinal));
        await MariaDbShop.ExecuteAsync(Spec.Location, MariaDbShop.Mutation);
        return await MariaDbShop.StateAsync(Spec.Location);
    }
}
