namespace Portal.Infrastructure.Activities;

using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Infrastructure.Persistence;

/// <summary>
/// The running side of one activity: collects progress and log lines, publishes them live in-process,
/// and writes them to the database at most once per flush interval so a fast engine cannot flood it.
/// </summary>
public sealed class ActivityRun : IAsyncDisposable
{
    private readonly Activity _activity;
    private readonly IDbContextFactory<PortalDbContext> _contexts;
    private readonly IActivityEvents _events;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly StringBuilder _pendingLog = new();
    private readonly List<string> _lines;
    private readonly CancellationTokenSource _stopFlushing = new();
    private readonly Task _flushLoop;
    private readonly DateTimeOffset _startedAt;
    private int _percent;
    private int _persistedPercent;
    private int _warnings;
    private string? _message;
    private TimeSpan? _eta;

    internal ActivityRun(Activity activity, IDbContextFactory<PortalDbContext> contexts, IActivityEvents events, TimeProvider time, TimeSpan flushInterval)
    {
        _activity = activity;
        _contexts = contexts;
        _events = events;
        _time = time;
        _startedAt = time.GetUtcNow();
        // A run that resumes an interrupted activity goes on from the progress already shown, never backwards.
        _percent = _persistedPercent = Math.Clamp(activity.CompletionPercent, 0, 99);
        _warnings = activity.Warnings;
        _lines = [.. activity.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        _flushLoop = FlushPeriodicallyAsync(flushInterval);
        Cancellation = new RunCancellation(Log);
    }

    /// <summary>A user's request to stop this run, and the point after which the run refuses one.</summary>
    public RunCancellation Cancellation { get; }

    public int Percent
    {
        get
        {
            lock (_gate)
            {
                return _percent;
            }
        }
    }

    /// <summary>Warnings so far, counted across the runs of an activity that Portal resumed.</summary>
    public int Warnings => Volatile.Read(ref _warnings);

    public void Log(string line)
    {
        var (stamped, index) = Append(line);
        _events.Publish(Snapshot(ActivityState.InProgress, null) with { LogLine = stamped, LogIndex = index });
    }

    /// <summary>Something the activity could not do exactly: logged, and counted so the feed can say "with N warnings".</summary>
    public void Warn(string message)
    {
        Interlocked.Increment(ref _warnings);
        Log($"warning: {message}");
    }

    /// <summary>Logs that this activity changed its environment's status, and tells live views the new status at once.</summary>
    public void EnvironmentStatusChanged(EnvironmentStatus status, string line, string? reason = null)
    {
        var (stamped, index) = Append(line);
        _events.Publish(Snapshot(ActivityState.InProgress, null) with
        {
            EnvironmentStatus = status, EnvironmentStatusReason = reason, LogLine = stamped, LogIndex = index,
        });
    }

    /// <summary>Every line of the log so far, stamped as stored, including those not yet written to the database.</summary>
    public IReadOnlyList<string> LinesSoFar()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    private (string Stamped, int Index) Append(string line)
    {
        lock (_gate)
        {
            _message = line;
            return AppendLocked(line);
        }
    }

    /// <summary>Adds a stamped line to what the next flush writes and to the lines so far; the caller holds the gate.</summary>
    private (string Stamped, int Index) AppendLocked(string line)
    {
        var stamped = Stamped(line);
        _pendingLog.Append(stamped);
        _lines.Add(stamped.TrimEnd('\n'));
        return (_lines[^1], _lines.Count - 1);
    }

    private string Stamped(string line) => string.Create(CultureInfo.InvariantCulture, $"[{_time.GetUtcNow():HH:mm:ss}] {line}\n");

    /// <summary>Progress never goes backwards and stays below 100 until the activity completes.</summary>
    public void Report(double percent, string? message = null)
    {
        var whole = (int)Math.Clamp(Math.Floor(percent), 0, 99);
        bool changed;
        (string Stamped, int Index)? line = null;
        lock (_gate)
        {
            changed = whole > _percent;
            if (changed)
            {
                _percent = whole;
                var elapsed = _time.GetUtcNow() - _startedAt;
                _eta = whole >= 2 ? elapsed * ((100.0 - whole) / whole) : null;
            }

            if (message is not null && message != _message)
            {
                // Each new phase goes into the log too, so what the engine chose (and why) outlives the live status.
                line = AppendLocked(message);
                _message = message;
                changed = true;
            }
        }

        if (changed)
        {
            _events.Publish(Snapshot(ActivityState.InProgress, null) with { LogLine = line?.Stamped, LogIndex = line?.Index ?? -1 });
        }
    }

    /// <summary>Maps a phase's byte progress into a slice of the overall percent (e.g. the safety snapshot is 0–40%).</summary>
    public IProgress<(long Done, long Total, string? Message)> Phase(double fromPercent, double toPercent) =>
        new Progress(this, fromPercent, toPercent);

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        string chunk;
        int percent;
        lock (_gate)
        {
            if (_pendingLog.Length == 0 && _percent == _persistedPercent)
            {
                return;
            }

            chunk = _pendingLog.ToString();
            _pendingLog.Clear();
            percent = _percent;
            _persistedPercent = percent;
        }

        try
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            var warnings = Warnings;
            await db.Activities.Where(a => a.Sequence == _activity.Sequence).ExecuteUpdateAsync(set => set
                .SetProperty(a => a.Log, a => a.Log + chunk)
                .SetProperty(a => a.CompletionPercent, percent)
                .SetProperty(a => a.Warnings, warnings), cancellationToken);
        }
        catch
        {
            // Put the lines back so the next flush writes them: the log stays append-only and complete.
            lock (_gate)
            {
                _pendingLog.Insert(0, chunk);
                _persistedPercent = -1;
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopFlushing.CancelAsync();
        await _flushLoop;
        _stopFlushing.Dispose();
    }

    internal ActivityUpdate Snapshot(ActivityState state, ActivityResult? result, int? percent = null)
    {
        lock (_gate)
        {
            return new ActivityUpdate(_activity.Id, _activity.ProjectId, _activity.EnvironmentId, _activity.Type,
                state, result, percent ?? _percent, _message, state == ActivityState.InProgress ? _eta : null);
        }
    }

    private async Task FlushPeriodicallyAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopFlushing.Token))
            {
                try
                {
                    await FlushAsync(CancellationToken.None);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A busy database: the lines stay queued and the next tick tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by DisposeAsync; the worker flushes once more when it completes the activity.
        }
    }

    private sealed class Progress(ActivityRun run, double from, double to) : IProgress<(long Done, long Total, string? Message)>
    {
        public void Report((long Done, long Total, string? Message) value)
        {
            var fraction = value.Total <= 0 ? 0 : Math.Clamp((double)value.Done / value.Total, 0, 1);
            run.Report(from + ((to - from) * fraction), value.Message);
        }
    }
}
