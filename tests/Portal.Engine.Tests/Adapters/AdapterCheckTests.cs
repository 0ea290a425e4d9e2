namespace Portal.Engine.Tests.Adapters;

using System.Net;
using System.Net.Sockets;
using Portal.Contracts;
using Portal.Testing;

/// <summary>Each adapter's own check, through the ServiceChecker the health monitor and the environment pages use.</summary>
public sealed class AdapterCheckTests : IDisposable
{
    private readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task AMountIsFineWhenItsFolderExistsAndNamedWhenItDoesNot()
    {
        Assert.Null(await CheckAsync(ServiceKind.Mount, _ws.Root));

        var problem = await CheckAsync(ServiceKind.Mount, _ws.PathOf("missing"));

        Assert.Equal($"Mount 'svc': the folder {_ws.PathOf("missing")} does not exist.", problem);
    }

    [Fact]
    public async Task AnSqliteDatabaseIsFineWhenItsFileExistsAndNamedWhenItDoesNot()
    {
        var file = _ws.PathOf("shop.db");
        await File.WriteAllBytesAsync(file, [], Workspace.Token);
        Assert.Null(await CheckAsync(ServiceKind.Sqlite, file));

        var problem = await CheckAsync(ServiceKind.Sqlite, _ws.PathOf("missing.db"));

        Assert.Equal($"Service 'svc': the SQLite database {_ws.PathOf("missing.db")} does not exist.", problem);
    }

    [Theory]
    [InlineData(ServiceKind.MySql, TestServers.MariaDb)]
    [InlineData(ServiceKind.PostgreSql, TestServers.Postgres)]
    [InlineData(ServiceKind.Redis, TestServers.Redis)]
    public async Task AServerThatAnswersPasses(ServiceKind kind, string server)
    {
        Assert.Null(await CheckAsync(kind, TestServers.Require(server)));
    }

    [Theory]
    [InlineData(ServiceKind.MySql, "Server=127.0.0.1;Port={0};User ID=portal", "cannot reach MariaDB/MySQL at 127.0.0.1:{0}")]
    [InlineData(ServiceKind.PostgreSql, "Host=127.0.0.1;Port={0};Username=portal", "cannot reach PostgreSQL at 127.0.0.1:{0}")]
    [InlineData(ServiceKind.Redis, "127.0.0.1:{0}", "cannot reach Redis at 127.0.0.1:{0}")]
    public async Task AServerThatDoesNotAnswerIsNamedWithItsAddress(ServiceKind kind, string location, string expected)
    {
        var port = ClosedPort();

        var problem = await CheckAsync(kind, string.Format(System.Globalization.CultureInfo.InvariantCulture, location, port));

        Assert.StartsWith($"Service 'svc': {string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, port)}", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConnectionStringThatCannotBeParsedIsSaidSo()
    {
        var problem = await CheckAsync(ServiceKind.PostgreSql, "Host=127.0.0.1;NoSuchSetting=1");

        Assert.StartsWith("Service 'svc': its connection setting is not valid", problem, StringComparison.Ordinal);
    }

    private Task<string?> CheckAsync(ServiceKind kind, string location) =>
        TestEngines.Checker(_ws.Options).CheckAsync(new ServiceSpec("svc", kind, location), Workspace.Token);

    /// <summary>A loopback port nothing listens on: bound once to get a free number, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
