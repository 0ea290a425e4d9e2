namespace Portal.Infrastructure.Tests.Snapshots;

using MySqlConnector;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Tests.Support;
using StackExchange.Redis;

/// <summary>
/// A shop declared in configuration as docker-compose.yml declares its demo shop (a MariaDB database whose user has rights
/// on it alone, a Redis session store, a media folder), snapshotted and restored through the activity queue as the
/// Create and Restore buttons do, against the real servers the test command starts.
/// </summary>
public sealed class ShopEnvironmentRoundTripTests : IAsyncLifetime
{
    // Engine tests hand out Redis databases 1-14, so this one is never flushed under them, even when test projects run at once.
    private const int SessionDatabase = 15;
    private const string Project = "shop";
    private const string Environment = "master";

    private readonly string _database = TestServers.UniqueName("portal_shop_");
    private readonly string _user = TestServers.UniqueName("shop_");
    private readonly string _media = Directory.CreateTempSubdirectory("portal-shop-").FullName;
    private string _mariaDb = "";
    private ConnectionMultiplexer? _redis;

    public async ValueTask InitializeAsync()
    {
        _mariaDb = TestServers.Require("PORTAL_TEST_MARIADB");
        var redis = ConfigurationOptions.Parse(TestServers.Require("PORTAL_TEST_REDIS"));
        redis.AllowAdmin = true;
        _redis = await ConnectionMultiplexer.ConnectAsync(redis);
        await _redis.GetServers()[0].FlushDatabaseAsync(SessionDatabase);
        await AdminSqlAsync($"CREATE DATABASE `{_database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        foreach (var host in new[] { "127.0.0.1", "localhost" })
        {
            await AdminSqlAsync($"CREATE USER '{_user}'@'{host}' IDENTIFIED BY 'shop-demo'; GRANT ALL ON `{_database}`.* TO '{_user}'@'{host}'");
        }
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_mariaDb.Length > 0)
        {
            await AdminSqlAsync($"DROP DATABASE IF EXISTS `{_database}`; DROP USER IF EXISTS '{_user}'@'127.0.0.1', '{_user}'@'localhost'");
        }

        if (_redis is not null)
        {
            await _redis.GetServers()[0].FlushDatabaseAsync(SessionDatabase);
            await _redis.DisposeAsync();
        }

        Directory.Delete(_media, recursive: true);
    }

    [Fact]
    public async Task SnapshotThenChangesThenRestoreBringBackTheShopsRowsSessionsAndMedia()
    {
        var ct = TestContext.Current.CancellationToken;
        var sessions = _redis!.GetDatabase(SessionDatabase);
        await ShopSqlAsync("""
            CREATE TABLE sales_order (id INT PRIMARY KEY, customer VARCHAR(100) NOT NULL, total DECIMAL(10,2), placed DATETIME(6));
            INSERT INTO sales_order VALUES (1, 'Ann ✓', 10.50, '2026-11-01 10:00:00.123456'), (2, 'Ben', 99.99, NULL), (3, 'Cy', 0.01, '2026-11-02 08:30:00');
            """);
        await sessions.StringSetAsync("sess:ann", "cart|a:1:{}", TimeSpan.FromMinutes(30));
        await sessions.HashSetAsync("customer:1", [new("name", "Ann"), new("email", "ann@example.com")]);
        await sessions.ListRightPushAsync("recently-viewed", ["sku-1", "sku-2"]);
        Directory.CreateDirectory(Path.Combine(_media, "catalog"));
        File.WriteAllBytes(Path.Combine(_media, "catalog", "a.jpg"), [0xFF, 0xD8, 1, 2, 3]);
        File.WriteAllText(Path.Combine(_media, "catalog", "b.jpg"), "second image");
        var before = await StateAsync();

        await using var host = await PortalTestHost.StartAsync(mediaFiles: 1, settings: ShopDeclaration());
        await host.StartWorkerAsync();
        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, ct));
        var created = await host.WaitForCompletionAsync(snapshot.Id);
        Assert.True(created.Result == ActivityResult.Success, created.Log);

        await ShopSqlAsync("UPDATE sales_order SET total = 0; DELETE FROM sales_order WHERE id = 2; INSERT INTO sales_order VALUES (4, 'late', 1, NULL); CREATE TABLE added (id INT)");
        await sessions.KeyDeleteAsync("sess:ann");
        await sessions.HashSetAsync("customer:1", "name", "changed");
        await sessions.StringSetAsync("sess:new", "logged in after the snapshot");
        File.Delete(Path.Combine(_media, "catalog", "a.jpg"));
        File.WriteAllText(Path.Combine(_media, "catalog", "b.jpg"), "edited");
        File.WriteAllText(Path.Combine(_media, "added.jpg"), "new");
        Assert.NotEqual(before, await StateAsync());

        var restore = await host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Alice, Project, Environment, snapshot.SnapshotId!, new RestoreOptions(), ct));
        var restored = await host.WaitForCompletionAsync(restore.Id);

        Assert.True(restored.Result == ActivityResult.Success, restored.Log);
        Assert.Equal(before, await StateAsync());
        Assert.Contains("safety snapshot", restored.Log, StringComparison.Ordinal);
        Assert.True(await sessions.KeyTimeToLiveAsync("sess:ann") is { } ttl && ttl > TimeSpan.FromMinutes(29), "the session's TTL came back");
    }

    private Dictionary<string, string?> ShopDeclaration() => new()
    {
        ["Projects:0:Id"] = Project,
        ["Projects:0:Title"] = "Shop",
        ["Projects:0:Admins:0"] = PortalTestHost.Alice.UserId,
        ["Projects:0:Environments:0:Name"] = Environment,
        ["Projects:0:Environments:0:Type"] = "Production",
        ["Projects:0:Environments:0:Plan"] = "Starter",
        ["Projects:0:Environments:0:Services:0:Name"] = "database",
        ["Projects:0:Environments:0:Services:0:Kind"] = "MySql",
        ["Projects:0:Environments:0:Services:0:Location"] = ShopConnectionString(),
        ["Projects:0:Environments:0:Services:1:Name"] = "redis",
        ["Projects:0:Environments:0:Services:1:Kind"] = "Redis",
        ["Projects:0:Environments:0:Services:1:Location"] = $"{TestServers.Require("PORTAL_TEST_REDIS")},defaultDatabase={SessionDatabase}",
        ["Projects:0:Environments:0:Services:2:Name"] = "pub/media",
        ["Projects:0:Environments:0:Services:2:Kind"] = "Mount",
        ["Projects:0:Environments:0:Services:2:Location"] = _media,
    };

    /// <summary>Rows, keys with their kind of TTL, and files, in one comparable text.</summary>
    private async Task<string> StateAsync()
    {
        var text = new System.Text.StringBuilder();
        await using (var connection = new MySqlConnection(ShopConnectionString()))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new MySqlCommand(
                "SELECT CONCAT_WS('|', id, customer, total, IFNULL(placed, 'null')) FROM sales_order ORDER BY id; SHOW TABLES", connection);
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            do
            {
                while (await reader.ReadAsync(TestContext.Current.CancellationToken))
                {
                    text.AppendLine(reader.GetString(0));
                }
            }
            while (await reader.NextResultAsync(TestContext.Current.CancellationToken));
        }

        var sessions = _redis!.GetDatabase(SessionDatabase);
        await foreach (var key in _redis.GetServers()[0].KeysAsync(SessionDatabase).OrderBy(k => k.ToString(), StringComparer.Ordinal))
        {
            // RESTORE puts back the DUMP payload it was given, so the bytes compare exactly.
            var dump = Convert.ToHexString((await sessions.KeyDumpAsync(key))!);
            text.AppendLine($"{key} {dump} expires={await sessions.KeyTimeToLiveAsync(key) is not null}");
        }

        foreach (var (path, entry) in DirectoryState.Capture(_media))
        {
            text.AppendLine($"{path} {entry}");
        }

        return text.ToString();
    }

    private string ShopConnectionString() =>
        new MySqlConnectionStringBuilder(_mariaDb) { Database = _database, UserID = _user, Password = "shop-demo" }.ConnectionString;

    private Task ShopSqlAsync(string sql) => SqlAsync(ShopConnectionString(), sql);

    private Task AdminSqlAsync(string sql) => SqlAsync(_mariaDb, sql);

    private static async Task SqlAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
