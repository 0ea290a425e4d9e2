namespace Portal.Api.Tests;

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Hosting;

/// <summary>/health/live answers while the process runs; /health/ready only while the database, the store and the worker can take work.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task ReadyAndLiveAnswer200WithStatusNamesOnlyWhenEverythingWorks()
    {
        await using var portal = new PortalFactory();
        using var client = portal.CreateClient();

        var ready = await WaitUntilReadyAsync(client);

        Assert.Equal("application/json; charset=utf-8", ready.Content.Headers.ContentType?.ToString());
        Assert.Equal(
            """{"status":"Healthy","checks":{"database":"Healthy","store":"Healthy","worker":"Healthy"}}""",
            await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        foreach (var path in new[] { "/health/live", "/health" })
        {
            var live = await client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("""{"status":"Healthy","checks":{}}""", await live.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task ReadyAnswers503WhileTheDatabaseIsStoppedAndRecoversWhenItIsBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var postgres = await PrivatePostgres.CreateAsync(ct);
        await postgres.CreateDatabaseAsync("portal", ct);
        var logs = new RecordedLogs();
        await using var portal = new PortalFactory(settings: new()
        {
            ["Database:Provider"] = "PostgreSQL",
            ["Database:ConnectionString"] = postgres.ConnectionString("portal"),
            ["Activities:PollMilliseconds"] = "100",
        })
        {
            TestServices = services => services.AddSingleton<ILoggerProvider>(logs),
        };
        using var client = portal.CreateClient();
        await WaitUntilReadyAsync(client);

        await postgres.StopAsync(ct);

        var down = await client.GetAsync("/health/ready", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal(("Unhealthy", "Unhealthy", "Healthy"), await StatusesAsync(down, "status", "database", "store"));
        var body = await down.Content.ReadAsStringAsync(ct);
        Assert.DoesNotContain("Npgsql", body, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", ct)).StatusCode);

        // The worker's polls fail meanwhile and are logged; the host keeps running and the worker polls again once the database is back.
        await EventuallyAsync(() => logs.Entries.Any(e => e.Category == typeof(ActivityWorker).FullName && e.Level == LogLevel.Error
            && (e.Exception is NpgsqlException || e.Exception?.InnerException is NpgsqlException)),
            () => string.Join("\n", logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.Category} {e.Level} {e.Message} {e.Exception?.GetType()}")));
        var beforeRestart = DateTimeOffset.UtcNow;
        await postgres.StartAsync(ct);
        await WaitUntilReadyAsync(client);
        var heartbeats = portal.Services.GetRequiredService<Heartbeats>();
        await EventuallyAsync(() => heartbeats.Last(nameof(ActivityWorker))!.At > beforeRestart);
        Assert.False(portal.Services.GetServices<IHostedService>().OfType<ActivityWorker>().Single().ExecuteTask!.IsCompleted);
    }

    [Fact]
    public async Task ReadyAnswers503WhenTheStoreIsNotWritable()
    {
        await using var portal = new PortalFactory();
        using var client = portal.CreateClient();
        await WaitUntilReadyAsync(client);

        // The store's volume went away (root ignores permission bits, so the folder itself goes).
        Directory.Delete(Path.Combine(portal.DataPath, "snapshots"), recursive: true);

        var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(("Unhealthy", "Healthy", "Unhealthy"), await StatusesAsync(response, "status", "database", "store"));
    }

    [Fact]
    public async Task ReadyAnswers503WhenTheWorkerHeartbeatIsStale()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var portal = new PortalFactory { TestServices = services => services.AddSingleton<TimeProvider>(time) };
        using var client = portal.CreateClient();
        await WaitUntilReadyAsync(client);

        // The worker stops polling; its last poll (5 s interval) is stale after three missed polls and 30 s.
        await portal.Services.GetServices<IHostedService>().OfType<ActivityWorker>().Single().StopAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(44));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
        time.Advance(TimeSpan.FromSeconds(2));

        var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(("Unhealthy", "Healthy", "Unhealthy"), await StatusesAsync(response, "status", "database", "worker"));
    }

    /// <summary>Readiness comes once the worker's first poll is done (after migrations and the demo seed); bounded so a hang fails.</summary>
    private static async Task<HttpResponseMessage> WaitUntilReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return response;
            }

            Assert.True(DateTime.UtcNow < deadline, $"/health/ready never answered 200; last: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task EventuallyAsync(Func<bool> condition, Func<string>? explain = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker never got there. " + explain?.Invoke());
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<(string, string, string)> StatusesAsync(HttpResponseMessage response, string overall, string first, string second)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var checks = json.RootElement.GetProperty("checks");
        return (json.RootElement.GetProperty(overall).GetString()!, checks.GetProperty(first).GetString()!, checks.GetProperty(second).GetString()!);
    }
}
