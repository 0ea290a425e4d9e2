namespace Portal.Engine.Tests;

using System.Text.RegularExpressions;
using MySqlConnector;
using Portal.Contracts;

/// <summary>
/// A table-file snapshot restored after the server's innodb_default_row_format changed (a reconfigured or upgraded server):
/// each table gets the row format its captured pages use, where a CREATE from its definition alone would make the import
/// fail. A server of its own, since the setting is global.
/// </summary>
public sealed partial class MySqlServerDefaultsTests(SmallDiskMariaDb server) : IClassFixture<SmallDiskMariaDb>, IAsyncLifetime
{
    private readonly Workspace _ws = new();
    private readonly string _db = TestServers.UniqueName("portal_defaults_");

    private ServiceSpec Spec => new("db", ServiceKind.MySql, new MySqlConnectionStringBuilder(server.Server) { Database = _db }.ConnectionString);

    public async ValueTask InitializeAsync()
    {
        server.Require();
        await MariaDbShop.ExecuteAsync(server.Server, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    }

    public async ValueTask DisposeAsync()
    {
        if (server.Server.Length > 0)
        {
            await MariaDbShop.ExecuteAsync(server.Server, $"SET GLOBAL innodb_default_row_format = 'dynamic'; DROP DATABASE IF EXISTS `{_db}`");
        }

        _ws.Dispose();
    }

    [Theory]
    [InlineData("dynamic", "compact")]
    [InlineData("compact", "dynamic")]
    public async Task ATableFileSnapshotRestoresAfterTheServersDefaultRowFormatChangedAndKeepsItsRowFormat(string captured, string restored)
    {
        await SetDefaultRowFormatAsync(captured);
        await MariaDbShop.ExecuteAsync(Spec.Location, MariaDbShop.Seed);
        var before = await MariaDbShop.StateAsync(Spec.Location);
        Assert.DoesNotMatch(RowFormatClause(), before);
        await _ws.CaptureAsync("s1", Spec);
        Assert.Contains("\"tablespaces\"", File.ReadAllText(_ws.ManifestFile("s1")), StringComparison.Ordinal);
        await MariaDbShop.ExecuteAsync(Spec.Location, MariaDbShop.Mutation);

        await SetDefaultRowFormatAsync(restored);
        await _ws.RestoreAsync("s1", Spec);

        // The definitions now name the format they would otherwise lose; rows, checksums and everything else are as captured.
        var after = await MariaDbShop.StateAsync(Spec.Location);
        Assert.Equal(before, RowFormatClause().Replace(after, ""));
        Assert.Equal(Regex.Count(before, "ENGINE=InnoDB"), Regex.Count(after, $" ROW_FORMAT={captured.ToUpperInvariant()}"));
        Assert.Equal("", await MariaDbShop.LeftoversAsync(server.Server, _db));
    }

    private Task SetDefaultRowFormatAsync(string format) =>
        MariaDbShop.ExecuteAsync(server.Server, $"SET GLOBAL innodb_default_row_format = '{format}'");

    [GeneratedRegex(" ROW_FORMAT=[A-Z]+")]
    private static partial Regex RowFormatClause();
}
