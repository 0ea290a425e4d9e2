namespace Portal.Engine;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Mounts;
using Portal.Engine.Adapters.MySql;
using Portal.Engine.Adapters.PostgreSql;
using Portal.Engine.Adapters.Redis;
using Portal.Engine.Adapters.Sqlite;
using Portal.Engine.Store;
using Portal.Engine.Store.S3;

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
        services.TryAddSingleton(TimeProvider.System);
        services.AddServiceAdapters();
        services.TryAddSingleton(sp => new ServiceChecker(sp.GetServices<IServiceAdapter>()));
        services.TryAddSingleton<ISnapshotEngine>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
            // A host without logging (a tool, a test) still gets the retries, unlogged.
            var loggers = sp.GetService<ILoggerFactory>();
            var logger = loggers?.CreateLogger<RetryingObjectStore>() ?? NullLogger<RetryingObjectStore>.Instance;
            var store = new RetryingObjectStore(CreateStore(options, loggers), options.StoreRetry, sp.GetRequiredService<TimeProvider>(), logger);
            return new SnapshotEngine(options, store, sp.GetRequiredService<IStoreLock>(), sp.GetServices<IServiceAdapter>());
        });
        return services;
    }

    /// <summary>The backend Engine:StoreKind names, unwrapped; an S3 client takes its credentials from the AWS SDK's default chain.</summary>
    internal static IObjectStore CreateStore(EngineOptions options, ILoggerFactory? loggers = null) => options.StoreKind switch
    {
        StoreKind.S3 => new S3ObjectStore(options.S3, options.StorePath, S3ObjectStore.CreateClient(options.S3), loggers?.CreateLogger<S3ObjectStore>()),
        _ => new FileSystemObjectStore(options.StorePath),
    };

    /// <summary>One adapter per service kind; the engine refuses to start on a kind claimed twice or by none.</summary>
    internal static IServiceCollection AddServiceAdapters(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceAdapter, MountAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceAdapter, SqliteAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceAdapter, MySqlAdapter>(sp => new MySqlAdapter(Options(sp))));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceAdapter, PostgreSqlAdapter>(sp => new PostgreSqlAdapter(Options(sp))));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceAdapter, RedisAdapter>(sp => new RedisAdapter(Options(sp))));
        return services;
    }

    private static EngineOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<EngineOptions>>().Value;
}
