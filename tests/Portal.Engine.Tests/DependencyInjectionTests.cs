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

    [Fact]
    public void StoreRetrySettingsAreBoundAndCheckedAtStart()
    {
        using var bound = Build(new() { ["Engine:StorePath"] = _store, ["Engine:StoreRetry:MaxAttempts"] = "3", ["Engine:StoreRetry:InitialDelay"] = "00:00:00.050", ["Engine:StoreRetry:MaxDelay"] = "00:00:02" });
        bound.GetRequiredService<IStartupValidator>().Validate();
        var retry = bound.GetRequiredService<IOptions<EngineOptions>>().Value.StoreRetry;
        Assert.Equal((3, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2)), (retry.MaxAttempts, retry.InitialDelay, retry.MaxDelay));

        using var wrong = Build(new() { ["Engine:StorePath"] = _store, ["Engine:StoreRetry:MaxAttempts"] = "0", ["Engine:StoreRetry:InitialDelay"] = "00:01:00", ["Engine:StoreRetry:MaxDelay"] = "00:00:10" });
        var ex = Assert.Throws<OptionsValidationException>(() => wrong.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Engine:StoreRetry:MaxAttempts must be between 1 and 20 (got 0)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Engine:StoreRetry:InitialDelay must be more than 0 and at most Engine:StoreRetry:MaxDelay (got 00:01:00)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void S3StoreSettingsAreBoundAndCheckedAtStart()
    {
        using var bound = Build(new()
        {
            ["Engine:StorePath"] = _store, ["Engine:StoreKind"] = "S3", ["Engine:S3:ServiceUrl"] = "http://127.0.0.1:9", ["Engine:S3:Bucket"] = "b",
            ["Engine:S3:Prefix"] = "/portal/", ["Engine:S3:ForcePathStyle"] = "true", ["Engine:S3:PartSizeMiB"] = "8", ["Engine:S3:Parallelism"] = "2",
        });
        bound.GetRequiredService<IStartupValidator>().Validate();
        var s3 = bound.GetRequiredService<IOptions<EngineOptions>>().Value.S3;
        Assert.Equal(("b", "portal/", true, 8, 2), (s3.Bucket, s3.KeyPrefix, s3.ForcePathStyle, s3.PartSizeMiB, s3.Parallelism));
        Assert.NotNull(bound.GetRequiredService<ISnapshotEngine>());

        using var wrong = Build(new() { ["Engine:StorePath"] = _store, ["Engine:StoreKind"] = "S3", ["Engine:S3:ServiceUrl"] = "ftp://x", ["Engine:S3:PartSizeMiB"] = "1" });
        var ex = Assert.Throws<OptionsValidationException>(() => wrong.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Engine:S3:Bucket must name the bucket", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Engine:S3:ServiceUrl must be an http(s) URL", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Engine:S3:PartSizeMiB must be between 5 and 5120 (got 1)", ex.Message, StringComparison.Ordinal);

        // The filesystem default ignores the S3 section entirely.
        using var fileSystem = Build(new() { ["Engine:StorePath"] = _store, ["Engine:S3:PartSizeMiB"] = "1" });
        fileSystem.GetRequiredService<IStartupValidator>().Validate();
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddPortalEngine(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
