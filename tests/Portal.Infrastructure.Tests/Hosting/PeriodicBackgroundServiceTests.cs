namespace Portal.Infrastructure.Tests.Hosting;

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tests.Support;

public sealed class PeriodicBackgroundServiceTests
{
    [Fact]
    public async Task AFailedRunIsLoggedAndTheNextRunStillComes()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new RecordedLogs();
        // Not initialized: the metadata database has no tables yet, so the monitor's first run fails on its query.
        await using var host = await PortalTestHost.StartAsync(time: time, initialize: false, logs: logs);
        var monitor = host.Get<IEnumerable<IHostedService>>().OfType<ServiceHealthMonitor>().Single();
        var heartbeats = host.Get<Heartbeats>();
        await monitor.StartAsync(ct);
        try
        {
            var failure = await EventuallyAsync(() => logs.Entries.FirstOrDefault(e =>
                e.Category == typeof(ServiceHealthMonitor).FullName && e.Level == LogLevel.Error && e.Exception is SqliteException));
            Assert.Contains("runs again", failure.Message, StringComparison.Ordinal);
            Assert.Null(heartbeats.Last(nameof(ServiceHealthMonitor)));
            Assert.False(monitor.ExecuteTask!.IsCompleted);

            // The database comes back (migrated and seeded); a mount went missing meanwhile, which only a new run can see.
            var initializer = host.Get<IEnumerable<IHostedService>>().OfType<DatabaseInitializer>().Single();
            await initializer.StartAsync(ct);
            Directory.Delete(Path.Combine(host.DemoRoot("develop-branch"), "pub", "media"), recursive: true);
            time.Advance(TimeSpan.FromMinutes(5));

            var beat = await EventuallyAsync(() => heartbeats.Last(nameof(ServiceHealthMonitor)));
            Assert.Equal(time.GetUtcNow(), beat.At);
            Assert.Equal(TimeSpan.FromMinutes(5), beat.Interval);
            await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
            var developBranch = await db.Environments.SingleAsync(e => e.Name == "develop-branch", ct);
            Assert.Contains(host.Get<ServiceHealth>().ProblemsOf(developBranch.Id), p => p.StartsWith("Mount 'pub/media'", StringComparison.Ordinal));
        }
        finally
        {
            await monitor.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task TheIntervalComesFromTheBackgroundSection()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await PortalTestHost.StartAsync(time: time, settings: new Dictionary<string, string?>
        {
            ["Background:ServiceCheckInterval"] = "00:00:42",
        });
        var monitor = host.Get<IEnumerable<IHostedService>>().OfType<ServiceHealthMonitor>().Single();
        var heartbeats = host.Get<Heartbeats>();
        await monitor.StartAsync(ct);
        try
        {
            var first = await EventuallyAsync(() => heartbeats.Last(nameof(ServiceHealthMonitor)));
            Assert.Equal(TimeSpan.FromSeconds(42), first.Interval);
            time.Advance(TimeSpan.FromSeconds(42));
            var second = await EventuallyAsync(() => heartbeats.Last(nameof(ServiceHealthMonitor)) is { } b && b.At > first.At ? b : null);
            Assert.Equal(first.At.AddSeconds(42), second.At);
        }
        finally
        {
            await monitor.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The background loop runs on its own; wait (bounded) until it produced what the test looks for.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<T?> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "the background service never got there");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
