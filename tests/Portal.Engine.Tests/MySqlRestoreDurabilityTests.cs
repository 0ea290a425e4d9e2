namespace Portal.Engine.Tests;

using System.Text;
using System.Text.RegularExpressions;
using MySqlConnector;
using Portal.Engine.Adapters;
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
        var entry = Manifest.FromJson(File.ReadAllBytes(Ws.ManifestFile(snapshotId)), snapshotId).Services.Single();
        var context = new EngineContext(new FileSystemObjectStore(Ws.StorePath), Ws.Options, new EngineCounters(), new ProgressTracker(Workspace.NoProgress), Workspace.Token);
        var prepared = Assert.IsType<MySqlSwitch>(await new MySqlAdapter(Ws.Options).PrepareRestoreAsync(entry, target, context));
        Assert.InRange(steps, 0, prepared.Steps.Count);
        await prepared.RunStepsAsync(steps, Workspace.Token);
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

        var spec = Spec(db) with { Location = new MySqlConnectionStringBuilder(Spec(db).Location) { UserID = name, Password = "shop-pw" }.ConnectionString };
        return ($"'{name}'@'127.0.0.1'", spec);
    }

    /// <summary>Two tables joined by a foreign key, secondary indexes, two views (one on the other), ordered triggers, a procedure, a function and an event.</summary>
    private protected Task SeedEverythingAsync(string db, (string User, ServiceSpec Spec)? asUser = null) => ExecuteAsAsync(db, asUser, """
        CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, UNIQUE KEY name_u (name)) ENGINE=InnoDB;
        CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, customer_id INT NOT NULL, total DECIMAL(10,2), note BLOB, KEY total_k (total),
          CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE) ENGINE=InnoDB;
        SET SESSION max_recursive_iterations = 100000;
        INSERT INTO customers WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT i, CONCAT('customer ', i, ' 😀') FROM n;
        INSERT INTO orders (id, customer_id, total, note)
          WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
          SELECT i, 1 + i % 100, i * 1.25, IF(i % 7 = 0, NULL, RANDOM_BYTES(48)) FROM n;
        CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 1000;
        CREATE VIEW big_customers AS SELECT DISTINCT customer_id FROM big_orders;
        CREATE TRIGGER orders_round BEFORE INSERT ON orders FOR EACH ROW SET NEW.total = ROUND(NEW.total);
        CREATE TRIGGER orders_note BEFORE INSERT ON orders FOR EACH ROW FOLLOWS orders_round SET NEW.note = COALESCE(NEW.note, 'none');
        CREATE PROCEDURE order_count() SELECT COUNT(*) FROM orders;
        CREATE FUNCTION order_total(wanted INT) RETURNS DECIMAL(10,2) READS SQL DATA RETURN (SELECT total FROM orders WHERE id = wanted);
        CREATE EVENT purge_notes ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO UPDATE orders SET note = NULL WHERE id < 0;
        """);

    /// <summary>Changes rows, the schema and every kind of program, so a restore has everything to put back.</summary>
    private protected Task MutateEverythingAsync(string db, (string User, ServiceSpec Spec)? asUser = null) => ExecuteAsAsync(db, asUser, """
        UPDATE orders SET total = total + 1 WHERE id <= 100;
        DELETE FROM orders WHERE id > 2900;
        DELETE FROM customers WHERE id = 50;
        CREATE TABLE added_later (id INT PRIMARY KEY, customer_id INT, CONSTRAINT added_customer FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB;
        CREATE TRIGGER added_later_check BEFORE INSERT ON added_later FOR EACH ROW SET NEW.id = ABS(NEW.id);
        ALTER TABLE orders ADD COLUMN added INT;
        DROP VIEW big_customers;
        DROP TRIGGER orders_note;
        DROP EVENT purge_notes;
        CREATE PROCEDURE added_proc() SELECT 1;
        CREATE VIEW added_view AS SELECT id FROM customers;
        """);

    /// <summary>
    /// Everything a restore must reproduce or keep: the database's defaults, every table's definition, row count and
    /// checksum, and every view, trigger (with its action order), routine and event as the server describes it (creation times left out).
    /// </summary>
    private protected async Task<string> FullStateAsync(string db)
    {
        await using var connection = (MySqlConnection)await OpenAsync(db);
        var state = new StringBuilder();
        state.Append(Db.Rows(connection, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"));
        foreach (var (kind, name) in await ObjectsAsync(connection))
        {
            state.Append(kind).Append(' ').Append(name).Append('\n');
            switch (kind)
            {
                case "BASE TABLE":
                    state.Append(Db.Rows(connection, $"SHOW CREATE TABLE `{name}`"));
                    state.Append(Db.Rows(connection, $"SELECT COUNT(*) FROM `{name}`"));
                    state.Append(Db.Rows(connection, $"CHECKSUM TABLE `{name}` EXTENDED"));
                    break;
                case "TRIGGER":
                    state.Append(Db.Rows(connection, $"""
                        SELECT EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, ACTION_STATEMENT, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION
                        FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = '{name}'
                        """));
                    break;
                default:
                    state.Append(Db.Rows(connection, $"SHOW CREATE {kind} `{name}`"));
                    break;
            }
        }

        return state.ToString();
    }

    /// <summary>Staging and holding databases of this target, and work tables inside it; empty once a restore is complete.</summary>
    private protected async Task<string> LeftoversAsync(string db)
    {
        var staging = MySqlStage.Beside(db).StagingDatabase;
        var holding = "portal_hold_" + staging["portal_stage_".Length..] + "_";
        await using var connection = await OpenAsync("");
        var schemas = Db.Rows(connection, $"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{staging}' OR LEFT(SCHEMA_NAME, {holding.Length}) = '{holding}' ORDER BY 1");
        var tables = Db.Rows(connection, $"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME LIKE 'portal\\_%' ORDER BY 1");
        return Regex.Replace(schemas + tables, "portal_(hold|old)_", "held ");
    }

    private async Task ExecuteAsAsync(string db, (string User, ServiceSpec Spec)? asUser, string sql)
    {
        if (asUser is not { } user)
        {
            await ExecuteAsync(db, sql);
            return;
        }

        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(user.Spec.Location) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Workspace.Token);
        await Db.ExecuteAsync(connection, sql);
    }

    private static async Task<List<(string Kind, string Name)>> ObjectsAsync(MySqlConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT TABLE_TYPE, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
            UNION ALL SELECT 'TRIGGER', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
            UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
            UNION ALL SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()
            ORDER BY 1, 2
            """;
        var objects = new List<(string Kind, string Name)>();
        await using var reader = await command.ExecuteReaderAsync(Workspace.Token);
        while (await reader.ReadAsync(Workspace.Token))
        {
            objects.Add((reader.GetString(0), reader.GetString(1)));
        }

        return objects;
    }
}
