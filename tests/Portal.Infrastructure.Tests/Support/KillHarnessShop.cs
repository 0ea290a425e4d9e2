namespace Portal.Infrastructure.Tests.Support;

using System.Text;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using StackExchange.Redis;

/// <summary>
/// A declared shop environment with every kind of service, on the real servers the test command starts: a media mount,
/// a SQLite file, a MariaDB database, a PostgreSQL database and a Redis database. It can describe its whole state as one
/// text, change every service, and list what a restore may have left behind.
/// </summary>
/// <param name="redisDatabase">The shop's Redis database, one no test class running beside it uses: the Engine tests take 1-14 (another process, run before), the shop round trip 15, the rollback tests 13, the S3 disaster test 12, the kill harness 0, 10 and 11.</param>
/// <param name="sessions">A second Redis service, <c>sessions</c>, in its own database and restored through a staging database, or null for none.</param>
public sealed class KillHarnessShop(int redisDatabase = 0, (int Database, int Staging)? sessions = null) : IAsyncDisposable
{
    public const string Project = "harness";
    public const string Environment = "master";

    private const int MediaFiles = 200;
    private const int Rows = 8000;

    private readonly string _root = Directory.CreateTempSubdirectory("portal-harness-").FullName;
    private readonly string _mariaDbName = TestServers.UniqueName("kill_harness_");
    private readonly string _postgresName = TestServers.UniqueName("kill_harness_");
    private string _mariaDb = "";
    private string _postgres = "";
    private ConnectionMultiplexer? _redis;
    private HashSet<string> _portalDatabasesBefore = [];

    /// <summary>The Redis databases whose keys are the shop's state.</summary>
    private int[] RedisDatabases => sessions is { } staged ? [redisDatabase, staged.Database] : [redisDatabase];

    /// <summary>Every Redis database the shop owns, its sessions' staging database included.</summary>
    private int[] OwnedRedisDatabases => sessions is { } staged ? [.. RedisDatabases, staged.Staging] : RedisDatabases;

    private string Media => Path.Combine(_root, "shop", "pub", "media");

    private string SqliteFile => Path.Combine(_root, "shop", "var", "shop.db");

    private string MariaDbShop => new MySqlConnectionStringBuilder(_mariaDb) { Database = _mariaDbName }.ConnectionString;

    private string PostgresShop => new NpgsqlConnectionStringBuilder(_postgres) { Database = _postgresName, Pooling = false }.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        _mariaDb = TestServers.Require(TestServers.MariaDb);
        _postgres = TestServers.Require(TestServers.Postgres);
        var redis = ConfigurationOptions.Parse(TestServers.Require(TestServers.Redis));
        redis.AllowAdmin = true;
        _redis = await ConnectionMultiplexer.ConnectAsync(redis);
        foreach (var index in OwnedRedisDatabases)
        {
            await _redis.GetServers()[0].FlushDatabaseAsync(index);
        }

        _portalDatabasesBefore = await PortalDatabasesAsync();

        SeedMedia();
        SeedSqlite();
        await SeedMariaDbAsync();
        await SeedPostgresAsync();
        await SeedRedisAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_mariaDb.Length > 0)
        {
            await MySqlAsync(_mariaDb, $"DROP DATABASE IF EXISTS `{_mariaDbName}`");
        }

        if (_postgres.Length > 0)
        {
            await PostgresAsync(_postgres, $"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)");
        }

        if (_redis is not null)
        {
            foreach (var index in OwnedRedisDatabases)
            {
                await _redis.GetServers()[0].FlushDatabaseAsync(index);
            }

            await _redis.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The shop declared as Portal reads it, with Alice as its admin and no demo project.</summary>
    public Dictionary<string, string?> Settings() => new(ConfigurationPairs.Projects(new ProjectDefinition
    {
        Id = Project,
        Title = "Kill harness shop",
        Admins = [PortalTestHost.Alice.UserId],
        Environments =
        [
            new EnvironmentDefinition
            {
                Name = Environment,
                Services =
                [
                    new ServiceDefinition { Name = "pub/media", Kind = ServiceKind.Mount, Location = Media },
                    new ServiceDefinition { Name = "shop.db", Kind = ServiceKind.Sqlite, Location = SqliteFile },
                    new ServiceDefinition { Name = "mariadb", Kind = ServiceKind.MySql, Location = MariaDbShop },
                    new ServiceDefinition { Name = "postgresql", Kind = ServiceKind.PostgreSql, Location = PostgresShop },
                    new ServiceDefinition { Name = "redis", Kind = ServiceKind.Redis, Location = $"{TestServers.Require(TestServers.Redis)},defaultDatabase={redisDatabase}" },
                    .. sessions is { } staged
                        ? [new ServiceDefinition { Name = "sessions", Kind = ServiceKind.Redis, Location = $"{TestServers.Require(TestServers.Redis)},defaultDatabase={staged.Database},stagingDatabase={staged.Staging}" }]
                        : Array.Empty<ServiceDefinition>(),
                ],
            },
        ],
    }))
    {
        ["Portal:Demo:Enabled"] = "false",
    };

    /// <summary>Every service's content as one text: files (bytes, modes, times), rows, schemas, keys with their DUMP payloads.</summary>
    public async Task<string> StateAsync()
    {
        var text = new StringBuilder();
        foreach (var (path, entry) in DirectoryState.Capture(Media))
        {
            text.Append("media ").Append(path).Append(' ').AppendLine(entry);
        }

        foreach (var (row, values) in DirectoryState.CaptureDatabase(SqliteFile))
        {
            text.Append("sqlite ").Append(row).Append(' ').AppendLine(values);
        }

        await using (var connection = new MySqlConnection(MariaDbShop))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            var views = await ColumnAsync(connection, $"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{_mariaDbName}' AND TABLE_TYPE = 'VIEW'");
            foreach (var table in await ColumnAsync(connection, $"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{_mariaDbName}' ORDER BY 1"))
            {
                text.AppendLine("mariadb " + string.Join(" ", await ColumnAsync(connection, $"SHOW CREATE TABLE `{table}`", column: 1)));
                if (!views.Contains(table))
                {
                    var columns = await ColumnAsync(connection,
                        $"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{_mariaDbName}' AND TABLE_NAME = '{table}' ORDER BY ORDINAL_POSITION");
                    var row = string.Join(", ", columns.Select(c => $"IFNULL(`{c}`, 'NULL')"));
                    text.AppendLine(string.Join('\n', await ColumnAsync(connection, $"SELECT CONCAT_WS('|', {row}) FROM `{table}` ORDER BY 1")));
                }
            }

            text.AppendLine(string.Join('\n', await ColumnAsync(connection,
                $"SELECT CONCAT_WS('|', TRIGGER_NAME, ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{_mariaDbName}' ORDER BY 1")));
        }

        await using (var connection = new NpgsqlConnection(PostgresShop))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            text.AppendLine(string.Join('\n', await ColumnAsync(connection,
                "SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1")));
            if ((await ColumnAsync(connection, "SELECT to_regclass('public.orders')::text")).FirstOrDefault() is "orders")
            {
                text.AppendLine(string.Join('\n', await ColumnAsync(connection, "SELECT id || '|' || customer || '|' || total FROM public.orders ORDER BY id")));
            }
        }

        foreach (var index in RedisDatabases)
        {
            var keys = _redis!.GetDatabase(index);
            await foreach (var key in _redis.GetServers()[0].KeysAsync(index, pageSize: 1000).OrderBy(k => k.ToString(), StringComparer.Ordinal))
            {
                text.Append("redis ").Append(index).Append(' ').Append(key).Append(' ').Append(Convert.ToHexString((await keys.KeyDumpAsync(key))!))
                    .Append(" expires=").AppendLine((await keys.KeyTimeToLiveAsync(key) is not null).ToString());
            }
        }

        return text.ToString();
    }

    /// <summary>Changes every service, differently for each <paramref name="round"/>, so a restore has something to replace everywhere.</summary>
    public async Task ChangeAsync(int round)
    {
        File.WriteAllText(Path.Combine(Media, "catalog", $"image-{round % MediaFiles:D3}.jpg"), $"changed in round {round}");
        File.Delete(Path.Combine(Media, "catalog", $"image-{(round + 7) % MediaFiles:D3}.jpg"));
        Directory.CreateDirectory(Path.Combine(Media, $"added-{round}"));
        File.WriteAllText(Path.Combine(Media, $"added-{round}", "new.jpg"), "added");

        using (var connection = new SqliteConnection($"Data Source={SqliteFile};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE customer SET name = name || ' {round}' WHERE id % 5 = 0; DELETE FROM customer WHERE id = {round + 1}; INSERT INTO customer (name) VALUES ('late {round}');";
            command.ExecuteNonQuery();
        }

        await MySqlAsync(MariaDbShop, $"""
            UPDATE sales_order SET total = total + {round} WHERE id % 3 = 0;
            DELETE FROM sales_order WHERE id > {Rows - 50};
            INSERT INTO sales_order (customer, total) VALUES ('round {round}', {round});
            CREATE TABLE added_{round} (id INT PRIMARY KEY);
            DROP VIEW big_orders;
            """);
        await PostgresAsync(PostgresShop, $"""
            UPDATE public.orders SET total = total + {round} WHERE id % 4 = 0;
            DELETE FROM public.orders WHERE id <= 30;
            CREATE TABLE public.added_{round} (id int);
            """);
        foreach (var index in RedisDatabases)
        {
            var keys = _redis!.GetDatabase(index);
            await keys.StringSetAsync("session:1", $"changed {round}");
            await keys.KeyDeleteAsync("session:2");
            await keys.StringSetAsync($"session:new-{round}", "logged in after the snapshot");
        }
    }

    /// <summary>What a restore may leave behind if its clean-up went wrong: staging folders, staging or holding databases and tables.</summary>
    public async Task<IReadOnlyList<string>> LeftoversAsync()
    {
        var found = await RestoreLeftovers.AfterBackgroundRemovalAsync(Path.GetDirectoryName(Media)!, ".media.portal-*");
        found.AddRange(await PortalDatabasesAfterBackgroundDropsAsync());
        await using var connection = new MySqlConnection(MariaDbShop);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        found.AddRange((await ColumnAsync(connection, "SHOW TABLES")).Where(t => t.StartsWith("portal_", StringComparison.Ordinal)));
        if (sessions is { } staged && await _redis!.GetServers()[0].DatabaseSizeAsync(staged.Staging) is > 0 and var left)
        {
            found.Add($"{left} keys in the sessions' staging database {staged.Staging}");
        }

        return found;
    }

    private void SeedMedia()
    {
        var random = new Random(42);
        Directory.CreateDirectory(Path.Combine(Media, "catalog"));
        Directory.CreateDirectory(Path.Combine(Media, "empty"));
        var buffer = new byte[256 * 1024];
        for (var i = 0; i < MediaFiles; i++)
        {
            random.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(Media, "catalog", $"image-{i:D3}.jpg"), buffer);
        }

        File.CreateSymbolicLink(Path.Combine(Media, "latest"), "catalog/image-000.jpg");
    }

    private void SeedSqlite()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SqliteFile)!);
        using var connection = new SqliteConnection($"Data Source={SqliteFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            PRAGMA journal_mode=WAL;
            CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows})
            INSERT INTO customer (name) SELECT 'customer ' || i FROM n;
            """;
        command.ExecuteNonQuery();
    }

    private async Task SeedMariaDbAsync()
    {
        await MySqlAsync(_mariaDb, $"CREATE DATABASE `{_mariaDbName}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        await MySqlAsync(MariaDbShop, $"""
            CREATE TABLE sales_order (id INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(100) NOT NULL, total DECIMAL(10,2), KEY (customer)) ENGINE=InnoDB;
            CREATE TABLE sales_order_log (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL) ENGINE=InnoDB;
            INSERT INTO sales_order (customer, total) SELECT CONCAT('customer ', seq), seq * 1.5 FROM seq_1_to_{Rows};
            CREATE VIEW big_orders AS SELECT id, total FROM sales_order WHERE total > 1000;
            CREATE TRIGGER log_order AFTER INSERT ON sales_order FOR EACH ROW INSERT INTO sales_order_log (order_id) VALUES (NEW.id);
            """);
    }

    private async Task SeedPostgresAsync()
    {
        await PostgresAsync(_postgres, $"CREATE DATABASE {_postgresName}");
        await PostgresAsync(PostgresShop, $"""
            CREATE TABLE public.orders (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2));
            INSERT INTO public.orders (customer, total) SELECT 'customer ' || i, i * 1.25 FROM generate_series(1, {Rows}) AS i;
            """);
    }

    private async Task SeedRedisAsync()
    {
        foreach (var index in RedisDatabases)
        {
            await SeedRedisAsync(_redis!.GetDatabase(index));
        }
    }

    private static async Task SeedRedisAsync(IDatabase keys)
    {
        var batch = keys.CreateBatch();
        var sets = Enumerable.Range(0, 3000).Select(i => i % 3 == 0 ? batch.StringSetAsync($"cache:{i}", $"value {i}", TimeSpan.FromHours(2)) : batch.StringSetAsync($"cache:{i}", $"value {i}")).ToList();
        sets.Add(batch.StringSetAsync("session:1", "cart"));
        sets.Add(batch.StringSetAsync("session:2", "cart 2"));
        sets.Add(batch.HashSetAsync("customer:1", [new("name", "Ann"), new("email", "ann@example.com")]).ContinueWith(_ => true, TaskScheduler.Default));
        batch.Execute();
        await Task.WhenAll(sets);
    }

    /// <summary>The staging and holding databases restores left, once Portal's background drops of replaced tables had time to end.</summary>
    private async Task<List<string>> PortalDatabasesAfterBackgroundDropsAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var found = (await PortalDatabasesAsync()).Except(_portalDatabasesBefore).ToList();
            if (found.Count == 0 || DateTime.UtcNow > deadline)
            {
                return found;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private async Task<HashSet<string>> PortalDatabasesAsync()
    {
        await using var connection = new MySqlConnection(_mariaDb);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        // Only the names a restore gives its own databases: other test classes create portal_* databases of their own meanwhile.
        return [.. await ColumnAsync(connection, "SHOW DATABASES LIKE 'portal\\_stage\\_%'"), .. await ColumnAsync(connection, "SHOW DATABASES LIKE 'portal\\_hold\\_%'")];
    }

    private static async Task<List<string>> ColumnAsync(System.Data.Common.DbConnection connection, string sql, int column = 0)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            values.Add(reader.IsDBNull(column) ? "NULL" : Convert.ToString(reader.GetValue(column), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }

    private static async Task MySqlAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task PostgresAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
