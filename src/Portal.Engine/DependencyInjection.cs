namespace Portal.Engine;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

public static class DependencyInjection
{
    /// <summary>Binds section "Engine" and fails at start-up if the store path is still empty after the host's PostConfigure.</summary>
    public static IServiceCollection AddPortalEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EngineOptions>()
            .Bind(configuration.GetSection(EngineOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => !string.IsNullOrWhiteSpace(o.StorePath), "Engine:StorePath must name the snapshot store folder.")
            .ValidateOnStart();
        services.TryAddSingleton<ISnapshotEngine>(sp => new SnapshotEngine(sp.GetRequiredService<IOptions<EngineOptions>>().Value));
        return services;
    }
}
