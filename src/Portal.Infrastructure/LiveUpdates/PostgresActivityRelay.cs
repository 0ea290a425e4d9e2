namespace Portal.Infrastructure.LiveUpdates;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

/// <summary>
/// With PostgreSQL, carries activity updates between nodes: sends this node's queued updates with <c>pg_notify</c> at most
/// every <see cref="LiveUpdateOptions.NotifyMilliseconds"/>, and LISTENs on a dedicated connection for the other nodes',
/// listening again with growing pauses when that connection drops, then telling followers to resync (NOTIFY keeps nothing
/// for a listener that was away). Does nothing with SQLite, where one process is all there is.
/// </summary>
public sealed partial class PostgresActivityRelay(
    PostgresActivityEvents events,
    PostgresStopRequests stopRequests,
    NodeWakeUps wakeUps,
    IOptions<DatabaseOptions> database,
    IOptions<LiveUpdateOptions> options,
    TimeProvider time,
    ILogger<PostgresActivityRelay> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastSendTimeout = TimeSpan.FromSeconds(2);
    private int _listenerProcessId;

    /// <summary>The PostgreSQL backend of the listening connection; null while not listening.</summary>
    public int? ListenerProcessId => Volatile.Read(ref _listenerProcessId) is var id and not 0 ? id : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Value.Provider != DatabaseProvider.PostgreSQL)
        {
            return;
        }

        await Task.Yield();
        await Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ListenConnectionString());
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == options.Value.Channel)
                    {
                        Receive(e.Payload);
                    }
                    else if (e.Channel == wakeUps.WorkChannel)
                    {
                        wakeUps.Receive();
                    }
                    else
                    {
                        stopRequests.Receive(e.Channel, e.Payload);
                    }
                };
                await connection.OpenAsync(stoppingToken);
                // Channels are identifiers checked at start (LiveUpdateOptionsValidator), so they are safe to put in the text.
                var channels = new[] { options.Value.Channel, stopRequests.AskChannel, stopRequests.AnswerChannel, wakeUps.WorkChannel };
                await using (var listen = new NpgsqlCommand(string.Concat(channels.Select(c => $"LISTEN {c};")), connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                Volatile.Write(ref _listenerProcessId, connection.ProcessID);
                if (failures > 0)
                {
                    // Listening again first, then the resync: whatever followers read now, later updates reach them.
                    LogListeningAgain(failures);
                    events.Resync();
                }

                failures = 0;
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _listenerProcessId, 0);
                failures++;
                var pause = Backoff(failures);
                LogListenFailed(ex, pause);
                if (!await PauseAsync(pause, stoppingToken))
                {
                    break;
                }
            }
        }

        Volatile.Write(ref _listenerProcessId, 0);
    }

    private async Task SendAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.NotifyMilliseconds);
        var failures = 0;
        while (true)
        {
            try
            {
                // After a failure only the resync is left to send, so the pause is the wait.
                if (failures == 0)
                {
                    await events.WaitAsync(stoppingToken);
                }
                else if (!await PauseAsync(Backoff(failures), stoppingToken))
                {
                    break;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            failures = await TrySendAsync(stoppingToken) ? 0 : failures + 1;
            if (!await PauseAsync(interval, stoppingToken))
            {
                break;
            }
        }

        // The last updates before a stop (activities recorded as interrupted) should still reach the other nodes.
        using var last = new CancellationTokenSource(LastSendTimeout);
        await TrySendAsync(last.Token);
    }

    private async Task<bool> TrySendAsync(CancellationToken cancellationToken)
    {
        var (updates, lost) = events.Take();
        if (updates.Count == 0 && !lost)
        {
            return true;
        }

        try
        {
            var payloads = ActivityNotifications.Encode(events.NodeId, updates, lost, options.Value.MaxLogLineBytes);
            await using var connection = new NpgsqlConnection(database.Value.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection);
            foreach (var payload in payloads)
            {
                var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, $2)");
                notify.Parameters.Add(new NpgsqlParameter { Value = options.Value.Channel });
                notify.Parameters.Add(new NpgsqlParameter { Value = payload });
                batch.BatchCommands.Add(notify);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (Exception ex)
        {
            // Dropped rather than retried: the database has the state, and the other nodes are told to read it again.
            events.MarkLost();
            LogSendFailed(ex, updates.Count);
            return false;
        }
    }

    /// <summary>A bad payload (not from Portal, or from another version) is logged and skipped; a follower's failure must not end the listening.</summary>
    private void Receive(string payload)
    {
        try
        {
            events.Receive(payload);
        }
        catch (Exception ex)
        {
            LogBadPayload(ex, payload.Length > 200 ? payload[..200] + "…" : payload);
        }
    }

    private async Task<bool> PauseAsync(TimeSpan pause, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(pause, time, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>250 ms, doubling at each failure up to the configured most, with jitter so nodes do not retry in step.</summary>
    private TimeSpan Backoff(int failures)
    {
        var most = TimeSpan.FromMilliseconds(options.Value.MaxReconnectMilliseconds);
        var pause = FirstRetry * Math.Pow(2, Math.Min(failures - 1, 16));
        var capped = pause < most ? pause : most;
        return capped * (0.8 + (0.4 * Random.Shared.NextDouble()));
    }

    /// <summary>Its own unpooled connection, kept alive so a dead peer is noticed while nothing is said.</summary>
    private string ListenConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(database.Value.ConnectionString) { Pooling = false, TcpKeepAlive = true };
        if (builder.KeepAlive == 0)
        {
            builder.KeepAlive = 15;
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "portal live updates";
        }

        return builder.ConnectionString;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live updates from other nodes stopped: the listening connection failed; listening again in {Pause}")]
    private partial void LogListenFailed(Exception exception, TimeSpan pause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening again for other nodes' live updates after {Failures} failures; open pages reload")]
    private partial void LogListeningAgain(int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send {Count} live updates to the other nodes; they will reload from the database")]
    private partial void LogSendFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped a live-update notification that could not be read: {Payload}")]
    private partial void LogBadPayload(Exception exception, string payload);
}
