namespace Portal.Core;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Core.Access;
using Portal.Core.Access.Tokens;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

public static class DependencyInjection
{
    /// <summary>The application layer: rules and services every entry point (UI, API, CLI through the API) calls.</summary>
    public static IServiceCollection AddPortalCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SnapshotOptions>()
            .Bind(configuration.GetSection(SnapshotOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SnapshotOptions>, SnapshotOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IActivityEvents, InProcessActivityEvents>();
        services.TryAddSingleton<ServiceHealth>();
        services.AddScoped<AccessGuard>();
        services.AddScoped<SnapshotService>();
        services.AddScoped<Schedules.ScheduleService>();
        services.AddScoped<Alerts.AlertService>();
        services.AddScoped<ActivityFeedService>();
        services.AddScoped<ActivityCancelService>();
        services.AddScoped<EnvironmentDirectory>();
        services.AddScoped<Projects.ProjectOverviewService>();
        services.AddScoped<UserAccessService>();
        services.AddScoped<ApiTokenService>();
        return services;
    }
}
