namespace Portal.Infrastructure.Tests.Environments;

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Portal.Core.Environments;
using Portal.Engine;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// A MariaDB restore drops the tables it replaced in the background, recording each holding database in the store first.
/// When Portal stopped before such a drop, the first service check of the next start drops it, through the declared
/// service's own connection setting, and leaves every other database alone.
/// </summary>
public sealed class HeldTablesAfterRestartTests : IAsyncLifetime
{
    private readonly string _database = TestServers.UniqueName("portal_held_");
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), TestServers.UniqueName("portal-held-"));
    private string _mariaDb = "";

    /// <summary>A holding database of _database, named as a restore's commit names it (portal_hold_, a hash of the target, a generation).</summary>
    private string Holding => "portal_hold_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_database)))[..16] + "_0a1b2c";

    public async ValueTask InitializeAsync()
    {
        _mariaDb = TestServers.Require(TestServers.MariaDb);
        await SqlAsync($"""
            CREATE DATABASE `{_database}`; CREATE TABLE `{_database}`.sales_order (id INT PRIMARY KEY); INSERT INTO `{_database}`.sales_order VALUES (1), (2);
            CREATE DATABASE `{Holding}`; CREATE TABLE `{Holding}`.sales_order (id INT PRIMARY KEY); INSERT INTO `{Holding}`.sales_order VALUES (7);
            """);
    }

    public async ValueTask DisposeAsync()
    {
        if (_mariaDb.Length > 0)
        {
            await SqlAsync($"DROP DATABASE IF EXISTS `{_database}`; DROP DATABASE IF EXISTS `{Holding}`");
        }

        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    [Theory]
    [InlineData(EnvironmentStatus.Active)]
    [InlineData(EnvironmentStatus.Inactive)] // No restore reaches an inactive environment, so the service check is the only way.
    public async Task TheFirstServiceCheckAfterAStartDropsTheReplacedTablesAStoppedPortalHadNotDroppedYet(EnvironmentStatus status)
    {
        var ct = TestContext.Current.CancellationToken;
        // What a kill between a restore's commit and its background drop leaves: the holding database and its record.
        var removals = Path.Combine(_dataPath, "snapshots", "removals");
        OwnerOnly.CreateFolder(removals);
        var server = new MySqlConnectionStringBuilder(_mariaDb);
        await File.WriteAllTextAsync(Path.Combine(removals, "left-by-a-kill.held"), $"{server.Server}\n{server.Port}\n{_database}\n{Holding}\n{await ScalarAsync("SELECT @@datadir")}", ct);

        await using (var host = await PortalTestHost.StartAsync(dataPath: _dataPath, mediaFiles: 1, settings: Declaration(status)))
        {
            await host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ServiceHealthMonitor>().Single().CheckAllAsync(ct);

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await HoldingExistsAsync() || Directory.EnumerateFiles(removals, "*.held").Any()) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, ct);
            }
        }

        Assert.False(await HoldingExistsAsync(), $"{Holding} is still there");
        Assert.Empty(Directory.EnumerateFiles(removals, "*.held"));
        Assert.Equal("2", await ScalarAsync($"SELECT COUNT(*) FROM `{_database}`.sales_order"));
    }

    private Dictionary<string, string?> Declaration(EnvironmentStatus status) => new()
    {
        ["Projects:0:Environments:0:Status"] = status.ToString(),
        ["Projects:0:Id"] = "held",
        ["Projects:0:Title"] = "Held",
        ["Projects:0:Admins:0"] = PortalTestHost.Alice.UserId,
        ["Projects:0:Environments:0:Name"] = "master",
        ["Projects:0:Environments:0:Type"] = "Production",
        ["Projects:0:Environments:0:Plan"] = "Starter",
        ["Projects:0:Environments:0:Services:0:Name"] = "database",
        ["Projects:0:Environments:0:Services:0:Kind"] = "MySql",
        ["Projects:0:Environments:0:Services:0:Location"] = new MySqlConnectionStringBuilder(_mariaDb) { Database = _database }.ConnectionString,
    };

    private async Task<bool> HoldingExistsAsync() => await ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{Holding}'") != "0";

    private async Task<string> ScalarAsync(string sql)
    {
        await using var connection = new MySqlConnection(_mariaDb);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private async Task SqlAsync(string sql)
    {
        await using var connection = new MySqlConnection(_mariaDb);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
