namespace Portal.Infrastructure;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Portal.Core.Access;
using Portal.Core.Access.Tokens;
using Portal.Core.Common;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.LiveUpdates;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Snapshots;
using Portal.Infrastructure.Telemetry;

public static class DependencyInjection
{
    /// <summary>
    /// The store lock's name in the database: the nodes of one database share one store, whatever path each mounts it at
    /// (advisory locks are per database, so another database's Portal never waits on it).
    /// </summary>
    internal const string StoreLockKey = "snapshots";

    /// <summary>The health checks that decide whether this node can take work.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Persistence on the configured provider, the durable activity queue, its worker and the demo seed.</summary>
    public static IServiceCollection AddPortalInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PortalOptions>().Bind(configuration.GetSection(PortalOptions.Section)).ValidateOnStart();
        services.AddOptions<ActivityOptions>().Bind(configuration.GetSection(ActivityOptions.Section))
            .Configure(o => o.NodeLabels = NodeLabels(configuration.GetSection(ActivityOptions.Section).GetSection(nameof(ActivityOptions.NodeLabels))) ?? o.NodeLabels)
            .ValidateOnStart();
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateOnStart();
        services.AddOptions<BackgroundOptions>().Bind(configuration.GetSection(BackgroundOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, PortalOptionsValidator>();
        services.AddSingleton<IValidateOptions<ActivityOptions>, ActivityOptionsValidator>();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        services.AddSingleton<IValidateOptions<BackgroundOptions>, BackgroundOptionsValidator>();

        services.AddPortalDatabase();
        services.AddPortalLiveUpdates(configuration);
        services.AddSingleton<IProjectRepository, ProjectRepository>();
        services.AddSingleton<ISnapshotRepository, SnapshotRepository>();
        services.AddSingleton<Portal.Core.Schedules.IScheduleRepository, ScheduleRepository>();
        services.AddSingleton<AlertRepository>();
        services.AddSingleton<Portal.Core.Alerts.IAlertRepository>(sp => sp.GetRequiredService<AlertRepository>());
        services.AddSingleton<Portal.Core.Alerts.IAlertDeliveryRepository>(sp => sp.GetRequiredService<AlertRepository>());
        services.AddSingleton<Alerts.AlertRaiser>();
        services.AddSingleton<Alerts.AlertMailer>();
        services.AddOptions<Alerts.AlertOptions>().Bind(configuration.GetSection(Alerts.AlertOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Alerts.AlertOptions>, Alerts.AlertOptionsValidator>();
        // Receivers are other people's servers: no automatic redirects to somewhere the admin did not declare.
        services.AddHttpClient(Alerts.AlertDispatcher.WebhookClient).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton<IActivityRepository, ActivityRepository>();
        services.AddSingleton<IUserAccessRepository, UserAccessRepository>();
        services.AddSingleton<IUserSessionStore, UserSessionStore>();
        services.AddSingleton<IApiTokenRepository, ApiTokenRepository>();
        services.AddSingleton<ActivitySignal>();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<ActivityLeases>();
        services.AddSingleton<SingletonJobs>();
        services.AddSingleton<IActivityQueue, ActivityQueue>();
        services.AddSingleton<RunningActivities>();
        services.AddSingleton<Portal.Core.Activities.IActivityCancellations, NodeCancellations>();
        services.AddSingleton<Portal.Core.Activities.IRunningActivityLogs>(s => s.GetRequiredService<RunningActivities>());
        services.AddSingleton<DemoSeeder>();
        services.AddSingleton<OwnerOnlyFiles>();
        services.AddOptions<ConfiguredProjects>().Configure(o => configuration.GetSection(ConfiguredProjects.Section).Bind(o.Items)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConfiguredProjects>>(new ConfiguredProjectsValidator(configuration.GetSection(ConfiguredProjects.Section)));
        services.AddSingleton<ConfiguredProjectsSync>();

        // Before the engine's default (TryAdd): with PostgreSQL the store lock spans every node of the database.
        services.AddSingleton<Portal.Engine.Store.IStoreLock>(sp =>
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value is { Provider: DatabaseProvider.PostgreSQL } database
                ? new PostgresStoreLock(database.ConnectionString!, StoreLockKey)
                : new Portal.Engine.Store.InProcessStoreLock());
        services.AddPortalEngine(configuration);
        services.AddOptions<EngineOptions>().Configure<IOptions<PortalOptions>>((engine, portal) =>
        {
            if (string.IsNullOrWhiteSpace(engine.StorePath))
            {
                engine.StorePath = Path.Combine(portal.Value.ResolvedDataPath, "snapshots");
            }
        });
        services.AddSingleton<EnvironmentLoader>();
        services.AddSingleton<EnvironmentPause>();
        services.AddSingleton<SnapshotCapture>();
        services.AddSingleton<RestoreJournals>();
        services.AddSingleton<StoreReindex>();
        services.AddSingleton<StorePinSync>();
        services.AddSingleton<IActivityExecutor, CreateSnapshotExecutor>();
        services.AddSingleton<IActivityExecutor, RestoreSnapshotExecutor>();
        services.AddSingleton<IActivityExecutor, DeleteSnapshotExecutor>();
        services.AddSingleton<IActivityExecutor, VerifySnapshotExecutor>();

        // Registered first: migrations and the demo seed finish before the worker looks for work.
        services.AddHostedService<DatabaseInitializer>();
        // Right after it, so snapshots found in the store are listed before the worker takes work.
        services.AddHostedService<StoreReindexOnStart>();
        // Before the worker, so it stops after it and still sends the worker's last updates.
        services.AddHostedService(s => s.GetRequiredService<PostgresActivityRelay>());
        // Before the worker, so it stops after it and keeps renewing while the worker's runs wind down.
        services.AddHostedService<LeaseKeeper>();
        services.AddHostedService<ActivityWorker>();
        services.AddHostedService<ServiceHealthMonitor>();
        services.AddHostedService<SnapshotExpiry>();
        services.AddHostedService<SnapshotVerifySweep>();
        services.AddHostedService<Schedules.SnapshotScheduler>();
        services.AddHostedService<Alerts.AlertDispatcher>();
        services.AddHostedService<StoreSizeSampler>();
        services.AddSingleton<Heartbeats>();
        services.AddMetrics();
        services.AddSingleton<PortalMetrics>();
        services.AddPortalReadinessChecks();
        return services;
    }

    /// <summary>What <c>/health/ready</c> runs (tag <see cref="ReadyTag"/>); each check is bounded so a hung server answers "unhealthy", not never.</summary>
    private static void AddPortalReadinessChecks(this IServiceCollection services)
    {
        var timeout = TimeSpan.FromSeconds(10);
        services.AddHealthChecks()
            .AddCheck<DatabaseReadinessCheck>("database", HealthStatus.Unhealthy, [ReadyTag], timeout)
            .AddCheck<StoreReadinessCheck>("store", HealthStatus.Unhealthy, [ReadyTag], timeout)
            .AddCheck<WorkerReadinessCheck>("worker", HealthStatus.Unhealthy, [ReadyTag], timeout);
    }

    /// <summary>With PostgreSQL, activity updates also cross to other nodes over LISTEN/NOTIFY; with SQLite they stay in-process as before.</summary>
    private static void AddPortalLiveUpdates(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LiveUpdateOptions>().Bind(configuration.GetSection(LiveUpdateOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LiveUpdateOptions>, LiveUpdateOptionsValidator>();
        services.AddSingleton<PostgresActivityEvents>();
        services.AddSingleton<PostgresActivityRelay>();
        services.AddSingleton<PostgresStopRequests>();
        services.AddSingleton<NodeWakeUps>();
        services.Replace(ServiceDescriptor.Singleton<Portal.Core.Activities.IActivityEvents>(sp =>
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider == DatabaseProvider.PostgreSQL
                ? sp.GetRequiredService<PostgresActivityEvents>()
                : new Portal.Core.Activities.InProcessActivityEvents()));
    }

    private static void AddPortalDatabase(this IServiceCollection services)
    {
        services.AddPooledDbContextFactory<SqlitePortalDbContext>((sp, builder) =>
            builder.UseSqlite(SqliteConnectionString(sp)));
        services.AddPooledDbContextFactory<PostgresPortalDbContext>((sp, builder) =>
            builder.UseNpgsql(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        services.AddSingleton<IDbContextFactory<PortalDbContext>>(sp =>
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider == DatabaseProvider.PostgreSQL
                ? new PortalDbContextFactory<PostgresPortalDbContext>(sp.GetRequiredService<IDbContextFactory<PostgresPortalDbContext>>())
                : new PortalDbContextFactory<SqlitePortalDbContext>(sp.GetRequiredService<IDbContextFactory<SqlitePortalDbContext>>()));
    }

    /// <summary>A node's labels also as one value, "eu,us", and as an empty value for none (a web-only node), which a list cannot say.</summary>
    private static List<string>? NodeLabels(IConfigurationSection section) =>
        section.Value is { } value && !section.GetChildren().Any()
            ? [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : null;

    private static string SqliteConnectionString(IServiceProvider services)
    {
        var configured = services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var dataPath = services.GetRequiredService<IOptions<PortalOptions>>().Value.ResolvedDataPath;
        OwnerOnly.CreateFolder(dataPath);
        return $"Data Source={Path.Combine(dataPath, OwnerOnlyFiles.DefaultSqliteFile)}";
    }
}
