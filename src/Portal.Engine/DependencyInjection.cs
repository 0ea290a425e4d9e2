namespace Portal.Engine;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Engine.Store;

public static class DependencyInjection
{
    /// <summary>Binds section "Engine" and fails at start-up on a setting that cannot work (<see cref="EngineOptionsValidator"/>), checked after the host's PostConfigure.</summary>
    public static IServiceCollection AddPortalEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EngineOptions>()
            .Bind(configuration.GetSection(EngineOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EngineOptions>, EngineOptionsValidator>());
        // One node by default; a provider that spans nodes registers its own lock before this runs.
        services.TryAddSingleton<IStoreLock, InProcessStoreLock>();
        services.TryAddSingleton<ISnapshotEngine>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
            return new SnapshotEngine(options, new FileSystemObjectStore(options.StorePath), sp.GetRequiredService<IStoreLock>());
        });
        return services;
    }
}
