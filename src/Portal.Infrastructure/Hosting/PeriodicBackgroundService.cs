namespace Portal.Infrastructure.Hosting;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

/// <summary>
/// A background service that runs now and then once per <see cref="Interval"/>. A run that throws is logged and the next
/// one still comes, so one database error never stops the host; each run that succeeds beats the service's heartbeat.
/// </summary>
public abstract class PeriodicBackgroundService(Heartbeats heartbeats, TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The service's name in the log and among the heartbeats.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>Time between runs, from the service's options.</summary>
    protected abstract TimeSpan Interval { get; }

    protected TimeProvider Time => time;

    protected ILogger Logger => logger;

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Created before the first run, so a tick that comes while a run is still going is not lost.
        using var timer = new PeriodicTimer(Interval, time);
        await StartingAsync(stoppingToken);
        try
        {
            do
            {
                await RunGuardedAsync(stoppingToken);
            }
            while (await WaitForNextRunAsync(timer, stoppingToken));
        }
        finally
        {
            await StoppedAsync();
        }
    }

    /// <summary>Runs once before the first run; unlike a run, a failure here stops the service (and by default the host).</summary>
    protected virtual Task StartingAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    /// <summary>One run of the service's work.</summary>
    protected abstract Task RunOnceAsync(CancellationToken stoppingToken);

    /// <summary>Waits for the next run; false ends the loop. A service may wake earlier than the interval.</summary>
    protected virtual async Task<bool> WaitForNextRunAsync(PeriodicTimer timer, CancellationToken stoppingToken) =>
        await timer.WaitForNextTickAsync(stoppingToken);

    /// <summary>Runs after the loop ends, even when it ends by cancellation.</summary>
    protected virtual Task StoppedAsync() => Task.CompletedTask;

    private async Task RunGuardedAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunOnceAsync(stoppingToken);
            heartbeats.Beat(Name, Interval);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "{Service} failed; it runs again within {Interval}", Name, Interval);
        }
    }
}
