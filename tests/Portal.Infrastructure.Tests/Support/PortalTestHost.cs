namespace Portal.Infrastructure.Tests.Support;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;

/// <summary>
/// The real application layer, infrastructure and engine over a temp data folder, as Portal.Web wires them,
/// with the demo seeded. The worker starts only when a test asks, so a test can line work up first.
/// </summary>
public sealed class PortalTestHost : IAsyncDisposable
{
    public static readonly Actor Alice = new(DemoSeeder.AdminUserId, "Alice");
    public static readonly Actor Bob = new(DemoSeeder.ContributorUserId, "Bob");
    public static readonly Actor Carol = new(DemoSeeder.ViewerUserId, "Carol");

    private readonly ServiceProvider _services;
    private readonly bool _ownsDataPath;
    private readonly TestDatabase? _database;
    private readonly RecordedLogs _warnings;
    private ActivityWorker? _worker;

    private PortalTestHost(ServiceProvider services, string dataPath, bool ownsDataPath, TestDatabase? database, RecordedLogs warnings)
    {
        _services = services;
        _warnings = warnings;
        DataPath = dataPath;
        _ownsDataPath = ownsDataPath;
        _database = database;
    }

    public string DataPath { get; }

    public IServiceProvider Services => _services;

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public string DemoRoot(string environment) => Get<DemoSeeder>().EnvironmentRoot(environment);

    public static async Task<PortalTestHost> StartAsync(
        TestDatabase? database = null, TimeProvider? time = null, string? dataPath = null, int maxParallelEnvironments = 2, int mediaFiles = 40,
        IReadOnlyDictionary<string, string?>? settings = null, bool initialize = true, ILoggerProvider? logs = null)
    {
        var ownsDataPath = dataPath is null;
        dataPath ??= Directory.CreateTempSubdirectory("portal-test-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Portal:DataPath"] = dataPath,
            ["Portal:Demo:Enabled"] = "true",
            ["Portal:Demo:MediaFiles"] = mediaFiles.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Database:Provider"] = database?.Provider ?? TestDatabase.Sqlite,
            ["Database:ConnectionString"] = database?.ConnectionString,
            ["Activities:MaxParallelEnvironments"] = maxParallelEnvironments.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Activities:ProgressFlushMilliseconds"] = "100",
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();

        var services = new ServiceCollection();
        var warnings = new RecordedLogs();
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Warning);
            b.AddProvider(warnings);
            if (logs is not null)
            {
                b.AddProvider(logs);
            }
        });
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddPortalCore(configuration).AddPortalInfrastructure(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var host = new PortalTestHost(provider, dataPath, ownsDataPath, database, warnings);

        // The same start-up step Portal runs: migrations, declared projects, then the demo seed (unless a test runs them itself).
        var initializers = initialize ? provider.GetServices<IHostedService>().OfType<DatabaseInitializer>() : [];
        foreach (var initializer in initializers)
        {
            await initializer.StartAsync(TestContext.Current.CancellationToken);
        }

        return host;
    }

    /// <summary>
    /// Incompressible 1 MB files in the environment's pub/media/bulk, so capturing or reading back its snapshot takes long
    /// enough for a kill to land mid-way.
    /// </summary>
    public void WriteBulkMedia(string environment, int files, int seed)
    {
        var bulk = Path.Combine(DemoRoot(environment), "pub", "media", "bulk");
        Directory.CreateDirectory(bulk);
        var random = new Random(seed);
        var buffer = new byte[1 << 20];
        for (var i = 0; i < files; i++)
        {
            random.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(bulk, $"photo-{i:D3}.jpg"), buffer);
        }
    }

    public async Task StartWorkerAsync()
    {
        _worker = _services.GetServices<IHostedService>().OfType<ActivityWorker>().Single();
        await _worker.StartAsync(TestContext.Current.CancellationToken);
    }

    public async Task StopWorkerAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync(CancellationToken.None);
            _worker = null;
        }
    }

    /// <summary>
    /// The real Portal as a process over this host's data folder and database, so a test can kill it mid-activity; its worker
    /// (not this host's) runs what the host queues, noticing it within 100 ms and writing progress as often.
    /// </summary>
    public Task<PortalProcess> StartProcessAsync() => PortalProcess.StartAsync(DataPath, new Dictionary<string, string?>(_database?.Settings ?? [])
    {
        ["Activities:PollMilliseconds"] = "100",
        ["Activities:ProgressFlushMilliseconds"] = "100",
    }, TestContext.Current.CancellationToken);

    /// <summary>Polls the activity until it runs with at least <paramref name="percent"/> done, failing if Portal exits or the activity ends or never gets there.</summary>
    public async Task<Activity> WaitUntilRunningAsync(PortalProcess portal, string activityId, int percent)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
            var current = await ReadActivityAsync(activityId);
            if (current.State == ActivityState.InProgress && current.CompletionPercent >= percent)
            {
                return current;
            }

            Assert.True(portal.IsRunning, "Portal exited on its own:\n" + portal.Output);
            Assert.True(current.State != ActivityState.Complete, $"activity {activityId} completed ({current.Result}: {current.Reason}) before reaching {percent} %");
            Assert.True(DateTime.UtcNow < deadline, $"activity {activityId} never reached {percent} %");
        }
    }

    /// <summary>A scope, as one Blazor circuit or one HTTP request would have.</summary>
    public T Scoped<T>(AsyncServiceScope scope)
        where T : notnull => scope.ServiceProvider.GetRequiredService<T>();

    public async Task<TResult> InScopeAsync<TService, TResult>(Func<TService, Task<TResult>> call)
        where TService : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async Task<Activity> ReadActivityAsync(string activityId)
    {
        await using var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.Activities.AsNoTracking().SingleAsync(a => a.Id == activityId, TestContext.Current.CancellationToken);
    }

    /// <summary>Waits for the worker to finish an activity; woken by the worker's own events, bounded so a hang fails the test.</summary>
    public async Task<Activity> WaitForCompletionAsync(string activityId, TimeSpan? timeout = null)
    {
        using var changed = new SemaphoreSlim(0);
        using var subscription = Get<IActivityEvents>().Subscribe(u =>
        {
            if (u.ActivityId == activityId && u.State == ActivityState.Complete)
            {
                changed.Release();
            }
        });
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var activity = await ReadActivityAsync(activityId);
            if (activity.State == ActivityState.Complete)
            {
                return activity;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"Activity {activityId} did not complete in time; it is {activity.State} at {activity.CompletionPercent}%.\n{activity.Log}{WhyStuck()}");
            }

            await changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Every warning and error logged so far, as its message.</summary>
    public IReadOnlyList<string> Warnings => [.. _warnings.Entries.Select(e => e.Message)];

    /// <summary>What the worker logged as warnings and errors, and whether it stopped, for a failure message.</summary>
    private string WhyStuck()
    {
        var worker = _worker?.ExecuteTask is { IsCompleted: true } ended ? $"\nThe worker stopped: {ended.Status} {ended.Exception}" : "";
        var logged = _warnings.Entries.Select(e => $"\n{e.Level} {e.Category}: {e.Message} {e.Exception}");
        return worker + string.Concat(logged);
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync();
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsDataPath && Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }
}
