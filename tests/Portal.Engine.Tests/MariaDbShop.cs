namespace Portal.Engine.Tests;

using System.Text;
using System.Text.RegularExpressions;
using MySqlConnector;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.MySql;

/// <summary>A shop database holding every kind of object a MariaDB restore must carry, and the means to compare its states.</summary>
internal static class MariaDbShop
{
    /// <summary>Two tables joined by a foreign key, secondary indexes, two views (one on the other), ordered triggers, a procedure, a function and an event.</summary>
    public const string Seed = """
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
        """;

    /// <summary>Changes rows, the schema and every kind of program, so a restore has everything to put back.</summary>
    public const string Mutation = """
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
        """;

    /// <summary>Runs statements on the database and as the user a connection string names.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Workspace.Token);
        await Db.ExecuteAsync(connection, sql);
    }

    /// <summary>The same service as another user.</summary>
    public static ServiceSpec As(ServiceSpec spec, string user, string password) =>
        spec with { Location = new MySqlConnectionStringBuilder(spec.Location) { UserID = user, Password = password }.ConnectionString };

    /// <summary>
    /// Everything a restore must reproduce or keep: the database's defaults, every table's definition, row count and
    /// checksum, and (unless tablesOnly) every view, trigger (with its action order), routine and event as the server
    /// describes it (creation times left out).
    /// </summary>
    public static async Task<string> StateAsync(string connectionString, bool tablesOnly = false)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Workspace.Token);
        var state = new StringBuilder();
        state.Append(Db.Rows(connection, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"));
        foreach (var (kind, name) in await ObjectsAsync(connection))
        {
            if (tablesOnly && kind != "BASE TABLE")
            {
                continue;
            }

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

    /// <summary>Staging and holding databases of the target db, and work tables inside it; empty once a restore is complete.</summary>
    public static async Task<string> LeftoversAsync(string server, string db)
    {
        var (staging, holding) = PlacesBeside(db);
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(server) { Database = "", Pooling = false }.ConnectionString);
        await connection.OpenAsync(Workspace.Token);
        var schemas = Db.Rows(connection, $"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{staging}' OR LEFT(SCHEMA_NAME, {holding.Length}) = '{holding}' ORDER BY 1");
        var tables = Db.Rows(connection, $"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME LIKE 'portal\\_%' ORDER BY 1");
        return Regex.Replace(schemas + tables, "portal_(hold|old)_", "held ");
    }

    /// <summary>The staging database a restore of db builds beside it, and the prefix of its holding databases.</summary>
    public static (string Staging, string HoldingPrefix) PlacesBeside(string db)
    {
        var staging = MySqlStage.Beside(db).StagingDatabase;
        return (staging, "portal_hold_" + staging["portal_stage_".Length..] + "_");
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

/// <summary>The test MariaDB server, and the databases and users a test creates on it, dropped when the test ends.</summary>
internal sealed class MariaDbScratch : IAsyncDisposable
{
    private readonly List<string> _databases = [];
    private readonly List<string> _users = [];

    private string? _server;

    /// <summary>Connection string of the test server's user with every privilege, without a database.</summary>
    public string Server => _server ??= TestServers.Require("PORTAL_TEST_MARIADB");

    /// <summary>For a test's InitializeAsync: skips the test (fails it under CI=true) when there is no test server.</summary>
    public ValueTask RequireAsync()
    {
        _ = Server;
        return ValueTask.CompletedTask;
    }

    /// <summary>Drops the database when the test ends.</summary>
    public string Track(string database)
    {
        _databases.Add(database);
        return database;
    }

    /// <summary>Drops the user (at 127.0.0.1 and localhost) when the test ends.</summary>
    public string TrackUser(string user)
    {
        _users.Add(user);
        return user;
    }

    /// <summary>A connection string for database on the test server.</summary>
    public string On(string database) => new MySqlConnectionStringBuilder(Server) { Database = database }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (_server is null)
        {
            return;
        }

        foreach (var database in _databases)
        {
            await MariaDbShop.ExecuteAsync(Server, $"DROP DATABASE IF EXISTS `{database}`");
            // A test that failed between a prepare and its commit leaves these on the shared server.
            var (staging, holding) = MariaDbShop.PlacesBeside(database);
            await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(Server) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(Workspace.Token);
            foreach (var leftover in await MySqlTables.ColumnAsync(
                connection, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @staging OR LEFT(SCHEMA_NAME, @n) = @holding", Workspace.Token, ("@staging", staging), ("@n", holding.Length), ("@holding", holding)))
            {
                await Db.ExecuteAsync(connection, $"DROP DATABASE `{leftover}`");
            }
        }

        foreach (var user in _users)
        {
            await MariaDbShop.ExecuteAsync(Server, $"DROP USER IF EXISTS '{user}'@'127.0.0.1', '{user}'@'localhost'");
        }
    }
}
