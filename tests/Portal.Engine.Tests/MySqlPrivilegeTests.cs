namespace Portal.Engine.Tests;

using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Portal.Contracts;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.MySql;

/// <summary>
/// The privileges a MariaDB capture and restore need: a service check and a restore's prepare name every one a user lacks,
/// and each one listed is one the capture or restore really cannot do without (found by running them without it).
/// </summary>
public sealed partial class MySqlPrivilegeTests : IAsyncLifetime
{
    private const string Password = "check-pw";

    /// <summary>Every privilege a database grant can hold (ALL PRIVILEGES ON db.* spelled out), so a test can leave one out.</summary>
    private static readonly string[] DatabasePrivileges =
    [
        "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "REFERENCES", "INDEX", "ALTER", "CREATE TEMPORARY TABLES", "LOCK TABLES",
        "EXECUTE", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE", "ALTER ROUTINE", "EVENT", "TRIGGER", "DELETE HISTORY",
    ];

    private readonly Workspace _ws = new();
    private readonly MariaDbScratch _scratch = new();

    public static TheoryData<string> RestorePrivileges => [.. MySqlPrivileges.Restore.Select(p => p.Privilege)];

    public static TheoryData<string> CapturePrivileges => [.. MySqlPrivileges.Capture.Select(p => p.Privilege)];

    public ValueTask InitializeAsync() => _scratch.RequireAsync();

    public async ValueTask DisposeAsync()
    {
        // The engine's background drops go first, so the sweep below meets only what a failed test left.
        await _ws.Engine.WhenHeldTablesDroppedAsync();
        await _scratch.DisposeAsync();
        _ws.Dispose();
    }

    [Fact]
    public async Task AServiceCheckPassesForAUserWithEveryPrivilegeOnItsDatabaseOnly()
    {
        var db = await NewDatabaseAsync();
        var spec = await UserAsync(db, $"GRANT ALL ON `{db}`.* TO {{0}}");

        Assert.Null(await CheckAsync(spec));
    }

    [Fact]
    public async Task AServiceCheckNamesTheServiceTheUserAndEachMissingPrivilegeWithWhatItIsNeededFor()
    {
        var db = await NewDatabaseAsync();
        var noEvent = await UserAsync(db, $"GRANT {AllBut("EVENT")} ON `{db}`.* TO {{0}}");
        var noInsert = await UserAsync(db, $"GRANT {AllBut("INSERT")} ON `{db}`.* TO {{0}}");
        var readOnly = await UserAsync(db, $"GRANT SELECT, SHOW VIEW ON `{db}`.* TO {{0}}");

        Assert.Equal(
            $"Service 'database': the MariaDB user {User(noEvent)}@127.0.0.1 lacks EVENT (needed to capture events and to restore) on the database {db}. Grant these privileges to that user.",
            await CheckAsync(noEvent));
        Assert.Contains($"the MariaDB user {User(noInsert)}@127.0.0.1 lacks INSERT (needed to restore) on the database {db}", await CheckAsync(noInsert), StringComparison.Ordinal);
        var many = await CheckAsync(readOnly);
        Assert.Contains("LOCK TABLES (needed to capture the schema and to restore), TRIGGER (needed to capture triggers and to restore), EVENT (needed to capture events and to restore)", many, StringComparison.Ordinal);
        Assert.Contains("INSERT, CREATE, DROP, ALTER, CREATE VIEW, CREATE ROUTINE, ALTER ROUTINE (needed to restore)", many, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServiceCheckReadsGlobalGrantsAndAppliesOnlyTheMostSpecificDatabaseGrantAsTheServerDoes()
    {
        var db = await NewDatabaseAsync();
        var global = await UserAsync(db, $"GRANT {AllBut("TRIGGER")}, RELOAD ON *.* TO {{0}}");
        // The exact grant wins over the pattern: the user may not insert into db, however much `portal\_%` allows.
        var shadowed = await UserAsync(db, $"GRANT ALL ON `portal\\_%`.* TO {{0}}; GRANT {AllBut("INSERT")} ON `{db}`.* TO {{0}}");
        var pattern = await UserAsync(db, $"GRANT ALL ON `{db[..^3]}%`.* TO {{0}}");

        Assert.Contains("lacks TRIGGER (needed to capture triggers and to restore)", await CheckAsync(global), StringComparison.Ordinal);
        Assert.Contains("lacks INSERT (needed to restore)", await CheckAsync(shadowed), StringComparison.Ordinal);
        Assert.Null(await CheckAsync(pattern));
    }

    [Fact]
    public async Task AServiceCheckNamesRoutinesAnotherUserDefinedThatTheUserCannotRead()
    {
        var db = await NewDatabaseAsync();
        await ExecuteAsync(db, "CREATE PROCEDURE someone_elses() SELECT 1");
        var spec = await UserAsync(db, $"GRANT ALL ON `{db}`.* TO {{0}}");

        var problem = await CheckAsync(spec);

        Assert.Equal($"Service 'database': the MariaDB user {User(spec)}@127.0.0.1 cannot read the routines someone_elses, which another user defined; it needs SELECT on mysql.proc to capture them.", problem);
        await ExecuteAsync("", $"GRANT SELECT ON mysql.proc TO '{User(spec)}'@'127.0.0.1'");
        Assert.Null(await CheckAsync(spec));
    }

    [Theory]
    [MemberData(nameof(CapturePrivileges))]
    public async Task EachCapturePrivilegeIsNamedBeforeTheCaptureAndNeededByIt(string privilege)
    {
        var db = await NewDatabaseAsync();
        await MariaDbShop.ExecuteAsync(SpecOf(db).Location, MariaDbShop.Seed);
        var spec = await UserAsync(db, $"GRANT {AllBut(privilege)} ON `{db}`.* TO {{0}}; GRANT SELECT ON mysql.proc TO {{0}}");
        _ws.Options.MySqlMethod = MySqlMethod.Logical;

        var named = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.CaptureAsync("named", spec));
        _ws.Options.MySqlPreflight = false;
        await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.CaptureAsync("needed", spec));

        Assert.Matches($"lacks {Regex.Escape(privilege)} \\(needed to capture", named.Message);
    }

    /// <summary>
    /// A user confined to its database builds the new tables inside it, which needs every listed privilege there; the
    /// shop holds every kind of object and a BIT column, so its snapshot is one mariadb-dump (which locks tables to load).
    /// Without the prepare's check the restore still fails, and the tables are as they were.
    /// </summary>
    [Theory]
    [MemberData(nameof(RestorePrivileges))]
    public async Task EachRestorePrivilegeIsNamedBeforeAnythingChangesAndNeededByTheRestore(string privilege)
    {
        var db = await NewDatabaseAsync();
        await MariaDbShop.ExecuteAsync(SpecOf(db).Location, MariaDbShop.Seed + "CREATE TABLE flags (id INT PRIMARY KEY, bits BIT(3)); INSERT INTO flags VALUES (1, b'101');");
        _ws.Options.MySqlMethod = MySqlMethod.Logical;
        await _ws.CaptureAsync("s1", SpecOf(db));
        await MariaDbShop.ExecuteAsync(SpecOf(db).Location, MariaDbShop.Mutation);
        var before = await MariaDbShop.StateAsync(SpecOf(db).Location, tablesOnly: true);
        var spec = await UserAsync(db, $"GRANT {AllBut(privilege)} ON `{db}`.* TO {{0}}; GRANT SELECT ON mysql.proc TO {{0}}");

        var named = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.RestoreAsync("s1", spec));
        Assert.Equal(before, await MariaDbShop.StateAsync(SpecOf(db).Location, tablesOnly: true));
        _ws.Options.MySqlPreflight = false;
        await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.RestoreAsync("s1", spec));

        Assert.Matches($"lacks {Regex.Escape(privilege)}[ ,].*\\(needed to restore\\)", named.Message);
        Assert.Contains("Nothing was changed.", named.Message, StringComparison.Ordinal);
        Assert.Equal(before, await MariaDbShop.StateAsync(SpecOf(db).Location, tablesOnly: true));
        Assert.Equal("", await MariaDbShop.LeftoversAsync(_scratch.Server, db));
    }

    private static string AllBut(string privilege) => string.Join(", ", DatabasePrivileges.Where(p => p != privilege));

    private static string User(ServiceSpec spec) => new MySqlConnectionStringBuilder(spec.Location).UserID;

    private Task<string?> CheckAsync(ServiceSpec spec) =>
        TestEngines.Checker(_ws.Options).CheckAsync(spec with { Name = "database" }, Workspace.Token);

    private ServiceSpec SpecOf(string db) => new("db", ServiceKind.MySql, _scratch.On(db));

    /// <summary>A new user at 127.0.0.1 given the grants ({0} stands for the user), as a spec for db.</summary>
    private async Task<ServiceSpec> UserAsync(string db, string grants)
    {
        var name = TestServers.UniqueName("check_");
        _scratch.TrackUser(name);
        var user = $"'{name}'@'127.0.0.1'";
        await ExecuteAsync("", $"CREATE USER {user} IDENTIFIED BY '{Password}'; " + string.Format(System.Globalization.CultureInfo.InvariantCulture, grants, user));
        return MariaDbShop.As(SpecOf(db), name, Password);
    }

    private async Task<string> NewDatabaseAsync()
    {
        var name = TestServers.UniqueName("portal_check_");
        _scratch.Track(name);
        await ExecuteAsync("", $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        return name;
    }

    private Task ExecuteAsync(string db, string sql) => MariaDbShop.ExecuteAsync(_scratch.On(db), sql);
}
