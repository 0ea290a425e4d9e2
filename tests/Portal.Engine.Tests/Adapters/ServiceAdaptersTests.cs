namespace Portal.Engine.Tests.Adapters;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Sqlite;
using Portal.Engine.Store;

public sealed class ServiceAdaptersTests : IDisposable
{
    private readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void AddPortalEngineRegistersOneAdapterForEveryKind()
    {
        using var provider = new ServiceCollection()
            .AddPortalEngine(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Engine:StorePath"] = _ws.StorePath }).Build())
            .BuildServiceProvider();

        Assert.Equal(Enum.GetValues<ServiceKind>(), provider.GetServices<IServiceAdapter>().Select(a => a.Kind).Order());
        Assert.NotNull(provider.GetRequiredService<ISnapshotEngine>());
    }

    [Fact]
    public void TheEngineRefusesToStartWhenTwoAdaptersClaimOneKind()
    {
        IServiceAdapter[] adapters = [.. TestEngines.Adapters(_ws.Options), new SqliteAdapter()];

        var ex = Assert.Throws<InvalidOperationException>(() => Engine(adapters));

        Assert.Contains("Sqlite is claimed by both SqliteAdapter and SqliteAdapter", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEngineRefusesToStartWhenAKindHasNoAdapter()
    {
        IServiceAdapter[] adapters = [.. TestEngines.Adapters(_ws.Options).Where(a => a.Kind is not (ServiceKind.Redis or ServiceKind.MySql))];

        var ex = Assert.Throws<InvalidOperationException>(() => Engine(adapters));

        Assert.Contains("MySql has no adapter; Redis has no adapter", ex.Message, StringComparison.Ordinal);
    }

    private SnapshotEngine Engine(IEnumerable<IServiceAdapter> adapters) =>
        new(_ws.Options, new FileSystemObjectStore(_ws.StorePath), new InProcessStoreLock(), adapters);
}
