namespace Portal.Infrastructure.Tests.LiveUpdates;

using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Core;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Infrastructure.LiveUpdates;

/// <summary>Two nodes on one PostgreSQL database: what one publishes reaches the other's followers over LISTEN/NOTIFY.</summary>
public sealed class CrossNodeLiveUpdateTests : IAsyncLifetime
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private TestDatabase _database = default!;
    private LiveUpdateNode _a = default!;
    private LiveUpdateNode _b = default!;

    public async ValueTask InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        _a = await LiveUpdateNode.StartAsync(_database);
        _b = await LiveUpdateNode.StartAsync(_database);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task An_update_published_on_B_reaches_a_follower_on_A_within_a_second()
    {
        Assert.NotEqual(((PostgresActivityEvents)_a.Events).NodeId, ((PostgresActivityEvents)_b.Events).NodeId);
        var update = Progress("act-1", 42) with
        {
            Message = "copying pub/media (é, 日本)", LogLine = "[01:02:03] copying pub/media (é, 日本)", LogIndex = 3,
            EstimatedRemaining = TimeSpan.FromSeconds(12), EnvironmentStatus = EnvironmentStatus.Paused, EnvironmentStatusReason = "a safe snapshot runs",
        };
        var sent = Stopwatch.StartNew();

        _b.Events.Publish(update);

        var heard = await _a.HearsAsync(u => u.ActivityId == "act-1", Second);
        Assert.True(sent.Elapsed < Second, $"took {sent.Elapsed}");
        Assert.Equal(update, heard);
    }

    [Fact]
    public async Task A_node_hears_its_own_update_once_and_the_other_node_once()
    {
        _b.Events.Publish(Progress("act-own", 5) with { IsNew = true, State = ActivityState.Pending });

        await _a.HearsAsync(u => u.ActivityId == "act-own", Second);
        // B's own listener has had the notification too by now (same database, same moment); give it time to misbehave.
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Single(_b.Heard, u => u.ActivityId == "act-own");
        Assert.Single(_a.Heard, u => u.ActivityId == "act-own");
    }

    [Fact]
    public async Task After_its_listening_connection_is_terminated_A_listens_again_resyncs_and_hears_later_updates()
    {
        var before = await _a.ListeningAsync();
        await using (var admin = new NpgsqlConnection(_database.ConnectionString))
        {
            await admin.OpenAsync(TestContext.Current.CancellationToken);
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", admin);
            kill.Parameters.AddWithValue("pid", before);
            Assert.Equal(true, await kill.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        var after = await _a.ListeningAsync(not: before);
        Assert.NotEqual(before, after);
        await _a.HearsAsync(u => u.IsResync, Second);
        Assert.Contains(_a.Logs.Entries, e => e.Level == LogLevel.Warning && e.Category.EndsWith(nameof(PostgresActivityRelay), StringComparison.Ordinal));

        _b.Events.Publish(Progress("act-later", 60));

        await _a.HearsAsync(u => u.ActivityId == "act-later", Second);
        Assert.DoesNotContain(_b.Heard, u => u.IsResync);
    }

    [Fact]
    public async Task A_log_line_too_long_for_a_notification_arrives_cut_with_a_mark_and_the_updates_around_it_whole()
    {
        var longLine = "[01:02:03] warning: " + string.Concat(Enumerable.Repeat("pub/media/ünïcode/файл-", 2_000));
        _b.Events.Publish(Progress("act-long", 10) with { LogLine = "[01:02:03] before", LogIndex = 0 });
        _b.Events.Publish(Progress("act-long", 11) with { Message = longLine, LogLine = longLine, LogIndex = 1 });
        _b.Events.Publish(Progress("act-long", 12) with { LogLine = "[01:02:04] after", LogIndex = 2 });

        await _a.HearsAsync(u => u.ActivityId == "act-long" && u.LogIndex == 2, Second);
        var lines = _a.Heard.Where(u => u.ActivityId == "act-long").Select(u => u.LogLine).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal("[01:02:03] before", lines[0]);
        Assert.Equal("[01:02:04] after", lines[2]);
        Assert.EndsWith(ActivityNotifications.CutMark, lines[1], StringComparison.Ordinal);
        Assert.StartsWith(lines[1]![..^ActivityNotifications.CutMark.Length], longLine, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(lines[1]!), 1_000, new LiveUpdateOptions().MaxLogLineBytes);
    }

    [Fact]
    public async Task Progress_alone_is_sent_at_most_once_an_interval_per_activity_ending_at_the_latest()
    {
        for (var percent = 1; percent <= 99; percent++)
        {
            _b.Events.Publish(Progress("act-fast", percent));
        }

        await _a.HearsAsync(u => u.ActivityId == "act-fast" && u.CompletionPercent == 99, Second);
        var heard = _a.Heard.Where(u => u.ActivityId == "act-fast").Select(u => u.CompletionPercent).ToList();
        Assert.InRange(heard.Count, 1, 5);
        Assert.Equal(heard.Order(), heard);
        Assert.Equal(99, _b.Heard.Count(u => u.ActivityId == "act-fast"));
    }

    [Fact]
    public async Task A_notification_no_Portal_node_sent_is_logged_and_skipped()
    {
        await using (var admin = new NpgsqlConnection(_database.ConnectionString))
        {
            await admin.OpenAsync(TestContext.Current.CancellationToken);
            foreach (var junk in new[] { "not json", "{\"n\":\"x\",\"u\":[{\"a\":\"act\"}]}", "{\"u\":[]}", "{\"n\":\"x\",\"u\":[{\"a\":\"a\",\"p\":\"p\",\"t\":\"t\",\"s\":\"Exploded\"}]}" })
            {
                await using var notify = new NpgsqlCommand("SELECT pg_notify('portal_activity', @payload)", admin);
                notify.Parameters.AddWithValue("payload", junk);
                await notify.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }
        }

        _b.Events.Publish(Progress("act-after-junk", 1));

        await _a.HearsAsync(u => u.ActivityId == "act-after-junk", Second);
        Assert.Equal(4, _a.Logs.Entries.Count(e => e.Message.StartsWith("Skipped a live-update notification", StringComparison.Ordinal)));
        Assert.DoesNotContain(_a.Heard, u => u.ActivityId is "act" or "a");
        Assert.NotNull(_a.Relay.ListenerProcessId);
    }

    [Fact]
    public async Task Updates_sent_while_the_database_was_unreachable_make_the_other_nodes_resync()
    {
        var events = (PostgresActivityEvents)_b.Events;
        events.MarkLost();
        events.Publish(Progress("act-after-loss", 3));

        await _a.HearsAsync(u => u.ActivityId == "act-after-loss", Second);
        var heard = _a.Heard.ToList();
        Assert.True(heard.FindIndex(u => u.IsResync) is var resync and >= 0 && resync < heard.FindIndex(u => u.ActivityId == "act-after-loss"));
    }

    [Fact]
    public async Task Stopping_with_the_host_closes_the_listening_connection_and_sends_what_was_queued()
    {
        var node = await LiveUpdateNode.StartAsync(_database, new Dictionary<string, string?> { ["LiveUpdates:NotifyMilliseconds"] = "10000" });
        var backend = await node.ListeningAsync();
        node.Events.Publish(Progress("act-first", 1));
        await _a.HearsAsync(u => u.ActivityId == "act-first", Second);

        // Queued behind the ten-second pause: only the last send at stop can deliver it.
        node.Events.Publish(Progress("act-last", 100) with { State = ActivityState.Complete, Result = ActivityResult.Success });
        var stopping = Stopwatch.StartNew();
        await node.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
        await _a.HearsAsync(u => u.ActivityId == "act-last", Second);
        await using var admin = new NpgsqlConnection(_database.ConnectionString);
        await admin.OpenAsync(TestContext.Current.CancellationToken);
        await using var alive = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE pid = @pid", admin);
        alive.Parameters.AddWithValue("pid", backend);
        var deadline = DateTime.UtcNow + Second;
        while ((long)(await alive.ExecuteScalarAsync(TestContext.Current.CancellationToken))! != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the listening connection outlived the stop");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static ActivityUpdate Progress(string activityId, int percent) =>
        new(activityId, "demo", Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), ActivityTypes.Snapshot, ActivityState.InProgress, null, percent, null, null);
}

/// <summary>With SQLite there is one process: updates stay in-process, exactly as before, and nothing listens.</summary>
public sealed class SqliteLiveUpdateTests
{
    [Fact]
    public async Task With_SQLite_updates_stay_in_process_and_the_relay_does_nothing()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var node = await StartWithoutWaitingAsync(database);

        Assert.IsType<InProcessActivityEvents>(node.GetRequiredService<IActivityEvents>());
        var relay = node.GetRequiredService<PostgresActivityRelay>();
        await relay.StartAsync(TestContext.Current.CancellationToken);
        await relay.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Null(relay.ListenerProcessId);
    }

    private static Task<ServiceProvider> StartWithoutWaitingAsync(TestDatabase database)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>(database.Settings) { ["Portal:DataPath"] = Path.GetTempPath() }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddPortalCore(configuration).AddPortalInfrastructure(configuration);
        return Task.FromResult(services.BuildServiceProvider());
    }
}
