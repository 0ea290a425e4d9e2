namespace Portal.Engine.Tests;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Engine.Adapters;
using Portal.Engine.Store;

/// <summary>Engines and checkers built from the adapters AddPortalEngine registers, on options a test chose.</summary>
internal static class TestEngines
{
    public static IReadOnlyList<IServiceAdapter> Adapters(EngineOptions options) =>
        [.. new ServiceCollection().AddSingleton(Options.Create(options)).AddServiceAdapters().BuildServiceProvider().GetServices<IServiceAdapter>()];

    public static SnapshotEngine Create(EngineOptions options, IObjectStore? store = null) =>
        new(options, store ?? new FileSystemObjectStore(options.StorePath), new InProcessStoreLock(), Adapters(options));

    public static ServiceChecker Checker(EngineOptions options) => new(Adapters(options));
}
