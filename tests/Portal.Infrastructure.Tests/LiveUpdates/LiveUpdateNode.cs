namespace Portal.Infrastructure.Tests.LiveUpdates;

using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Core;
using Portal.Core.Activities;
using Portal.Infrastructure.LiveUpdates;

/// <summary>
/// One Portal node as far as live updates go: the real application and infrastructure services over a shared test database,
/// with only the relay started (no migrations or worker are needed to carry updates), and a follower recording what it hears.
/// </summary>
internal sealed class LiveUpdateNode : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IDisposable _subscription;
    private readonly string _dataPath;
    private readonly ConcurrentQueue<(ActivityUpdate Update, DateTime At)> _heard = new();

    private LiveUpdateNode(ServiceProvider services, string dataPath, RecordedLogs logs)
    {
        _services = services;
        _dataPath = dataPath;
        Logs = logs;
        _subscription = Events.Subscribe(u => _heard.Enqueue((u, DateTime.UtcNow)));
    }

    public IActivityEvents Events => _services.GetRequiredService<IActivityEvents>();

    public PostgresActivityRelay Relay => _services.GetRequiredService<PostgresActivityRelay>();

    public RecordedLogs Logs { get; }

    public IReadOnlyList<ActivityUpdate> Heard => [.. _heard.Select(h => h.Update)];

    public IReadOnlyList<(ActivityUpdate Update, DateTime At)> HeardAt => [.. _heard];

    public static async Task<LiveUpdateNode> StartAsync(TestDatabase database, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataPath = Directory.CreateTempSubdirectory("portal-live-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(database.Settings)
        {
            ["Portal:DataPath"] = dataPath,
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var logs = new RecordedLogs();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        services.AddPortalCore(configuration).AddPortalInfrastructure(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var node = new LiveUpdateNode(provider, dataPath, logs);
        await node.Relay.StartAsync(TestContext.Current.CancellationToken);
        await node.ListeningAsync();
        return node;
    }

    /// <summary>Waits until the relay listens, on a backend other than <paramref name="not"/>; returns that backend's id.</summary>
    public async Task<int> ListeningAsync(int? not = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Relay.ListenerProcessId is not { } pid || pid == not)
        {
            Assert.True(DateTime.UtcNow < deadline, "the relay does not listen");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return Relay.ListenerProcessId!.Value;
    }

    /// <summary>The first update heard that matches, waiting at most <paramref name="within"/>.</summary>
    public async Task<ActivityUpdate> HearsAsync(Func<ActivityUpdate, bool> match, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (Heard.FirstOrDefault(match) is { } heard)
            {
                return heard;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not heard within {within}; heard: {string.Join("; ", Heard)}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await Relay.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
        Directory.Delete(_dataPath, recursive: true);
    }
}
