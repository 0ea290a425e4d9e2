namespace Portal.Engine.Tests;

using System.Data.Common;
using MySqlConnector;
using Portal.Contracts;

/// <summary>Logical capture: rows as text from one consistent-snapshot transaction, as over a network or for a live snapshot.</summary>
public sealed class MySqlLogicalSnapshotTests : MySqlSnapshotTests
{
    public MySqlLogicalSnapshotTests()
    {
        Ws.Options.MySqlMethod = MySqlMethod.Logical;
    }

    protected override bool CopiesTableFiles => false;

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task AUserConfinedToItsDatabaseStagesInsideItAndAKilledCommitConverges(int steps)
    {
        var db = await NewDatabaseAsync();
        var shop = await ConfinedUserAsync(db);
        await SeedEverythingAsync(db, shop);
        var snapshot = await FullStateAsync(db);
        await Ws.CaptureAsync("s1", shop.Spec);
        await MutateEverythingAsync(db, shop);

        await KillCommitAfterAsync("s1", shop.Spec, steps);
        await Ws.RestoreAsync("s1", shop.Spec);

        Assert.Equal(snapshot, await FullStateAsync(db));
        Assert.Equal("", await LeftoversAsync(db));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    public async Task AConfinedUsersDumpOfTypesTextCannotCarryRestoresWithItsForeignKeysAndTriggers(int steps)
    {
        var db = await NewDatabaseAsync();
        var shop = await ConfinedUserAsync(db);
        await SeedEverythingAsync(db, shop);
        await ExecuteAsync(db, """
            CREATE TABLE shapes (id INT PRIMARY KEY, customer_id INT, bits BIT(5), place POINT,
              CONSTRAINT shapes_customer FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB;
            INSERT INTO shapes VALUES (1, 1, b'10101', ST_GeomFromText('POINT(1 2)')), (2, NULL, NULL, NULL);
            """);
        var snapshot = await FullStateAsync(db);
        await Ws.CaptureAsync("s1", shop.Spec);
        // A BIT or spatial column sends the whole database through one mariadb-dump.
        Assert.DoesNotContain("\"layout\"", File.ReadAllText(Ws.ManifestFile("s1")), StringComparison.Ordinal);
        await MutateEverythingAsync(db, shop);
        await ExecuteAsync(db, "DELETE FROM shapes");

        await KillCommitAfterAsync("s1", shop.Spec, steps);
        await Ws.RestoreAsync("s1", shop.Spec);

        Assert.Equal(snapshot, await FullStateAsync(db));
        Assert.Equal("", await LeftoversAsync(db));
    }

    /// <summary>A user with every privilege on db and nothing else, as the MariaDB image's MARIADB_USER.</summary>
    private async Task<(string User, ServiceSpec Spec)> ConfinedUserAsync(string db)
    {
        var name = TestServers.UniqueName("shop_");
        TrackUser(name);
        foreach (var host in new[] { "127.0.0.1", "localhost" })
        {
            await ExecuteAsync("", $"CREATE USER '{name}'@'{host}' IDENTIFIED BY 'shop-pw'; GRANT ALL ON `{db}`.* TO '{name}'@'{host}'");
        }

        return ($"'{name}'@'127.0.0.1'", MariaDbShop.As(Spec(db), name, "shop-pw"));
    }
}

/// <summary>Every behaviour a MariaDB snapshot must have, run once per capture method.</summary>
public abstract partial class MySqlSnapshotTests : IAsyncLifetime
{
    private readonly Workspace _ws = new(chunkSize: 64 * 1024);
    private readonly MariaDbScratch _scratch = new();

    /// <summary>True when the test server's data directory is reachable, so a non-live capture copies InnoDB table files.</summary>
    protected abstract bool CopiesTableFiles { get; }

    private protected Workspace Ws => _ws;

    protected string Server => _scratch.Server;

    public ValueTask InitializeAsync() => _scratch.RequireAsync();

    public async ValueTask DisposeAsync()
    {
        // The engine drops replaced tables' holding databases in the background; the sweep below is for what a failed test left.
        await _ws.Engine.WhenHeldTablesDroppedAsync();
        await _scratch.DisposeAsync();
        _ws.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task RestoreAfterInsertUpdateDeleteGivesTheSnapshotRowsBack()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        var before = await StateAsync(db);
        var result = await _ws.CaptureAsync("s1", Spec(db));
        Assert.True(result.SizeOfDatabases > 64 * 1024, "dump spans several chunks");

        await ExecuteAsync(db, """
            INSERT INTO orders (id, customer, total, note) VALUES (100000, 'late', 1.00, NULL);
            UPDATE orders SET total = total * 2, customer = 'changed ✓' WHERE id <= 50;
            DELETE FROM orders WHERE id > 2500;
            CREATE TABLE added_later (id INT PRIMARY KEY);
            DROP VIEW big_orders;
            """);
        Assert.NotEqual(before, await StateAsync(db));

        await _ws.RestoreAsync("s1", Spec(db));

        Assert.Equal(before, await StateAsync(db));
    }

    [Fact]
    public async Task RestoreIntoAnotherDatabaseGivesAnEqualCopy()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        await _ws.CaptureAsync("s1", Spec(db));
        var other = TestServers.UniqueName("portal_copy_");
        _scratch.Track(other);

        await _ws.RestoreAsync("s1", Spec(other) with { Name = "db" });

        Assert.Equal(await StateAsync(db), await StateAsync(other));
    }

    [Fact]
    public async Task RestoreAsAnotherEnvironmentsUserRecreatesViewsTriggersAndRoutines()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        await ExecuteAsync(db, """
            CREATE TRIGGER orders_upper BEFORE INSERT ON orders FOR EACH ROW SET NEW.customer = UPPER(NEW.customer);
            CREATE PROCEDURE order_count() SELECT COUNT(*) FROM orders;
            """);
        await _ws.CaptureAsync("s1", Spec(db));
        var other = TestServers.UniqueName("portal_copy_");
        _scratch.Track(other);
        // Like a Platform.sh environment's user: every privilege on its own database, nothing global (no SUPER).
        var user = TestServers.UniqueName("app_");
        await ExecuteAsync("", $"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'; GRANT ALL ON `{other}`.* TO '{user}'@'%';");
        try
        {
            var asUser = new MySqlConnectionStringBuilder(Server) { Database = other, UserID = user, Password = "pw" };
            if (CopiesTableFiles)
            {
                // Table files are imported into a staging database first, which a user confined to one database cannot create.
                var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.RestoreAsync("s1", new ServiceSpec("db", ServiceKind.MySql, asUser.ConnectionString)));
                Assert.Contains("staging database", ex.Message, StringComparison.Ordinal);
                return;
            }

            await _ws.RestoreAsync("s1", new ServiceSpec("db", ServiceKind.MySql, asUser.ConnectionString));

            Assert.Equal(await StateAsync(db), await StateAsync(other));
            // The trigger and the procedure now run as the restoring user, who exists until the finally block.
            await ExecuteAsync(other, "INSERT INTO orders (id, customer) VALUES (99999, 'lower'); CALL order_count();");
            await using var connection = await OpenAsync(other);
            Assert.Equal("LOWER|\n", Db.Rows(connection, "SELECT customer FROM orders WHERE id = 99999"));
        }
        finally
        {
            await ExecuteAsync("", $"DROP USER '{user}'@'%'");
        }
    }

    [Fact]
    public async Task TableWiseCaptureCarriesAwkwardValuesIndexesAndAutoIncrementExactly()
    {
        var db = await NewDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TABLE awkward (
              id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
              flag TINYINT(1), big BIGINT UNSIGNED, ratio DOUBLE, small FLOAT, money DECIMAL(65,30),
              word CHAR(36), body TEXT, raw VARBINARY(64), day DATE, at DATETIME(6), stamp TIMESTAMP(3) NULL, span TIME(6), yr YEAR,
              kind ENUM('a','b'), tags SET('x','y'), doc JSON, twice INT AS (id * 2) VIRTUAL,
              UNIQUE KEY word_u (word), KEY body_k (body(10), flag)
            ) ENGINE=InnoDB AUTO_INCREMENT=50;
            SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';
            INSERT INTO awkward (id, flag, big, ratio, small, money, word, body, raw, day, at, stamp, span, yr, kind, tags, doc) VALUES
              (0, 2, 18446744073709551615, 0.1, 1.5, '12345678901234567890123456789012345.123456789012345678901234567891',
               '5d0e3f4a-0000-4000-8000-000000000000', 'tab\there\nnew line \\ back\\slash \\N not null 😀', X'00090A5C4E0D', '0000-00-00', '2024-02-29 23:59:59.123456',
               '2024-03-01 12:00:00.125', '-838:59:59.000000', 2155, 'b', 'x,y', '{"k": [1, "two"]}'),
              (7, NULL, NULL, NULL, NULL, NULL, NULL, '', X'', NULL, NULL, NULL, NULL, NULL, NULL, '', NULL),
              (8, -1, 0, -1.7976931348623157e308, -3.4e38, -0.5, '\\N', '\\', NULL, '1000-01-01', '0000-00-00 00:00:00', NULL, '00:00:00.000001', 1901, 'a', 'y', 'null');
            DELETE FROM awkward WHERE id = 8;
            """);
        var before = await AwkwardStateAsync(db);
        await _ws.CaptureAsync("s1", Spec(db));
        var manifest = File.ReadAllText(_ws.ManifestFile("s1"));
        Assert.Contains("\"layout\"", manifest, StringComparison.Ordinal);
        Assert.Equal(CopiesTableFiles, manifest.Contains("\"tablespaces\"", StringComparison.Ordinal));
        await ExecuteAsync(db, "UPDATE awkward SET body = 'changed' WHERE id = 0; ALTER TABLE awkward DROP INDEX body_k;");

        await _ws.RestoreAsync("s1", Spec(db));

        Assert.Equal(before, await AwkwardStateAsync(db));
        // The next id continues after the deleted row 8 and the table's AUTO_INCREMENT=50, as on the source.
        await ExecuteAsync(db, "INSERT INTO awkward (body) VALUES ('next')");
        await using var connection = await OpenAsync(db);
        Assert.Equal("50|\n", Db.Rows(connection, "SELECT id FROM awkward WHERE body = 'next'"));
    }

    [Fact]
    public async Task ColumnTypesWithoutATextFormFallBackToTheDumpAndRestoreEqual()
    {
        var db = await NewDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TABLE shapes (id INT PRIMARY KEY, bits BIT(5), place POINT);
            INSERT INTO shapes VALUES (1, b'10101', ST_GeomFromText('POINT(1 2)')), (2, NULL, NULL);
            """);
        const string State = "SELECT id, BIN(bits), ST_AsText(place) FROM shapes ORDER BY id";
        await using (var connection = await OpenAsync(db))
        {
            Assert.Equal("1|10101|POINT(1 2)|\n2|||\n", Db.Rows(connection, State));
        }

        await _ws.CaptureAsync("s1", Spec(db));
        // Table files carry any column type; the text format hands such tables to mariadb-dump.
        Assert.Equal(CopiesTableFiles, File.ReadAllText(_ws.ManifestFile("s1")).Contains("\"layout\"", StringComparison.Ordinal));
        await ExecuteAsync(db, "DELETE FROM shapes");

        await _ws.RestoreAsync("s1", Spec(db));

        await using (var connection = await OpenAsync(db))
        {
            Assert.Equal("1|10101|POINT(1 2)|\n2|||\n", Db.Rows(connection, State));
        }
    }

    [Fact]
    public async Task CorruptDumpIsRefusedBeforeTheDatabaseIsDropped()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        await _ws.CaptureAsync("s1", Spec(db));
        var victim = _ws.ObjectFiles().First();
        var bytes = File.ReadAllBytes(victim);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(victim, bytes);
        await ExecuteAsync(db, "DELETE FROM orders WHERE id = 1");
        var state = await StateAsync(db);

        await Assert.ThrowsAsync<SnapshotCorruptException>(() => _ws.RestoreAsync("s1", Spec(db)));

        Assert.Equal(state, await StateAsync(db));
    }

    [Fact]
    public async Task AShopUserWithRightsOnItsOwnDatabaseOnlyCapturesAndRestoresIt()
    {
        // The rights a MariaDB image gives MARIADB_USER (docker-compose.yml's demo shop): ALL on its database, nothing global.
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        var user = TestServers.UniqueName("shop_");
        _scratch.TrackUser(user);
        foreach (var host in new[] { "127.0.0.1", "localhost" })
        {
            await ExecuteAsync("", $"CREATE USER '{user}'@'{host}' IDENTIFIED BY 'shop-demo'; GRANT ALL ON `{db}`.* TO '{user}'@'{host}'");
        }

        var spec = Spec(db) with { Location = new MySqlConnectionStringBuilder(Spec(db).Location) { UserID = user, Password = "shop-demo" }.ConnectionString };
        var before = await StateAsync(db);
        await _ws.CaptureAsync("s1", spec);
        await ExecuteAsync(db, "UPDATE orders SET total = 0; DROP VIEW big_orders;");

        await _ws.RestoreAsync("s1", spec);

        Assert.Equal(before, await StateAsync(db));
        Assert.DoesNotContain("\"tablespaces\"", File.ReadAllText(_ws.ManifestFile("s1")), StringComparison.Ordinal); // table files need global rights
    }

    /// <summary>Drops the user (at 127.0.0.1 and localhost) when the test ends.</summary>
    protected void TrackUser(string user) => _scratch.TrackUser(user);

    /// <summary>Drops the database when the test ends.</summary>
    protected string Track(string database)
    {
        return _scratch.Track(database);
    }

    protected ServiceSpec Spec(string database) =>
        new("db", ServiceKind.MySql, new MySqlConnectionStringBuilder(Server) { Database = database }.ConnectionString);

    protected async Task<string> NewDatabaseAsync()
    {
        var name = TestServers.UniqueName("portal_test_");
        _scratch.Track(name);
        await ExecuteAsync("", $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        return name;
    }

    protected Task SeedAsync(string db) => ExecuteAsync(db, """
        CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(100) NOT NULL, total DECIMAL(10,2), note BLOB, at DATETIME(6)) ENGINE=InnoDB;
        SET SESSION max_recursive_iterations = 100000;
        INSERT INTO orders
          WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
          SELECT i, CONCAT('customer ', i, ' 😀'), i * 1.25, IF(i % 7 = 0, NULL, RANDOM_BYTES(48)), TIMESTAMP('2024-01-01') + INTERVAL i SECOND FROM n;
        CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 1000;
        """);

    protected async Task<string> StateAsync(string db)
    {
        await using var connection = await OpenAsync(db);
        var tables = Db.Rows(connection, "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME");
        return tables.Contains("orders|BASE TABLE|", StringComparison.Ordinal)
            ? tables + Db.Rows(connection, "SELECT id, customer, total, HEX(note), at FROM orders ORDER BY id")
            : tables;
    }

    /// <summary>Every stored value in a lossless text form, plus the table definition (indexes, AUTO_INCREMENT, generated column).</summary>
    private async Task<string> AwkwardStateAsync(string db)
    {
        await using var connection = await OpenAsync(db);
        return Db.Rows(connection, "SHOW CREATE TABLE awkward") + Db.Rows(connection, """
            SELECT id, CONCAT_WS(' ', QUOTE(flag), QUOTE(big), QUOTE(ratio), QUOTE(small), QUOTE(money), QUOTE(word), HEX(body), HEX(raw),
              QUOTE(day), QUOTE(at), QUOTE(stamp), QUOTE(span), QUOTE(yr), QUOTE(kind), QUOTE(tags), QUOTE(doc), twice)
            FROM awkward ORDER BY id
            """);
    }

    protected Task ExecuteAsync(string db, string sql) => Sql.ExecuteAsync(db, sql);

    protected Task<DbConnection> OpenAsync(string db) => Sql.OpenAsync(db);

    private ServerDatabases Sql => new(db => new MySqlConnection(new MySqlConnectionStringBuilder(Server) { Database = db, Pooling = false }.ConnectionString));
}
