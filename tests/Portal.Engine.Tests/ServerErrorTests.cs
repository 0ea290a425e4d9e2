namespace Portal.Engine.Tests;

using Portal.Contracts;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Common;

/// <summary>Failures users hit when a server is down or a client tool is missing must read as plain sentences.</summary>
public sealed class ServerErrorTests : IDisposable
{
    private readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Theory]
    [InlineData(ServiceKind.MySql, "Server=127.0.0.1;Port=1;User ID=x;Password=y;Database=d;Connection Timeout=3", "cannot connect to 127.0.0.1:1")]
    [InlineData(ServiceKind.PostgreSql, "Host=127.0.0.1;Port=1;Username=x;Database=d;Timeout=3", "cannot connect to 127.0.0.1:1")]
    [InlineData(ServiceKind.Redis, "127.0.0.1:1,connectTimeout=500", "cannot connect to 127.0.0.1:1")]
    public async Task UnreachableServerIsAClearError(ServiceKind kind, string location, string expected)
    {
        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.CaptureAsync("s1", new ServiceSpec("data", kind, location)));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'data'", ex.Message, StringComparison.Ordinal);
        Assert.False(await _ws.Engine.HasManifestAsync("s1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void MissingClientToolNamesTheToolAndThePackage()
    {
        var ex = Assert.Throws<SnapshotEngineException>(() => ExternalTool.Locate(_ws.Options, "db", "mariadb-client", "no-such-mariadb-dump"));

        Assert.Contains("no-such-mariadb-dump", ex.Message, StringComparison.Ordinal);
        Assert.Contains("mariadb-client", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingClientToolReportsItsOwnError()
    {
        var tool = ExternalTool.Locate(_ws.Options, "db", "coreutils", "ls");

        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() =>
            tool.RunAsync(["/no/such/folder"], new Dictionary<string, string>(), feed: null, output: null, TestContext.Current.CancellationToken));

        Assert.Contains("No such file or directory", ex.Message, StringComparison.Ordinal);
    }
}
