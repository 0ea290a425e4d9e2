namespace Portal.Engine.Tests;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Contracts;

public sealed class DependencyInjectionTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "portal-engine-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    [Fact]
    public async Task EngineFromConfigurationCapturesIntoTheConfiguredStore()
    {
        var media = Path.Combine(_store, "..", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(media);
        File.WriteAllText(Path.Combine(media, "a.txt"), "a");
        using var provider = Build(new() { ["Engine:StorePath"] = _store, ["Engine:ChunkSizeBytes"] = "65536" });
        provider.GetRequiredService<IStartupValidator>().Validate();
        var engine = provider.GetRequiredService<ISnapshotEngine>();

        try
        {
            await engine.CaptureAsync(new CaptureRequest("s1", "env", [new("media", ServiceKind.Mount, media)]), new Progress<EngineProgress>(), TestContext.Current.CancellationToken);
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }

        Assert.True(await engine.HasManifestAsync("s1", TestContext.Current.CancellationToken));
        Assert.True(File.Exists(Path.Combine(_store, "manifests", "s1.json")));
        Assert.Equal(65536, provider.GetRequiredService<IOptions<EngineOptions>>().Value.ChunkSizeBytes);
    }

    [Fact]
    public void EmptyStorePathFailsAtStartUnlessTheHostFillsItIn()
    {
        using var unset = Build([]);
        var ex = Assert.Throws<OptionsValidationException>(() => unset.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Engine:StorePath", ex.Message, StringComparison.Ordinal);

        using var filled = Build([], services => services.PostConfigure<EngineOptions>(o => o.StorePath = _store));
        filled.GetRequiredService<IStartupValidator>().Validate();
        Assert.NotNull(filled.GetRequiredService<ISnapshotEngine>());
    }

    [Fact]
    public void OutOfRangeChunkSizeFailsAtStart()
    {
        using var provider = Build(new() { ["Engine:StorePath"] = _store, ["Engine:ChunkSizeBytes"] = "10" });

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddPortalEngine(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
