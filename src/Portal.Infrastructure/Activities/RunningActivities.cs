namespace Portal.Infrastructure.Activities;

using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Persistence;

/// <summary>
/// The worker's registry of the runs this node holds, in memory: how to ask each to stop, and its log so far. A run on another
/// node is reached through <see cref="NodeCancellations"/>.
/// A pending activity is cancelled in the database, guarded by its state so the worker cannot have started it meanwhile.
/// </summary>
public sealed class RunningActivities(IDbContextFactory<PortalDbContext> contexts, IActivityEvents events, TimeProvider time)
    : IRunningActivityLogs
{
    private readonly ConcurrentDictionary<string, ActivityRun> _running = new(StringComparer.Ordinal);

    public async Task<bool> CancelPendingAsync(Activity activity, string cancelledBy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var reason = $"cancelled by {cancelledBy} before it started";
        var line = string.Create(CultureInfo.InvariantCulture, $"[{now:HH:mm:ss}] {reason}\n");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var cancelled = await db.Activities
            .Where(a => a.Sequence == activity.Sequence && a.State == ActivityState.Pending)
            .ExecuteUpdateAsync(set => set
                .SetProperty(a => a.State, ActivityState.Cancelled)
                .SetProperty(a => a.CompletedAt, now)
                .SetProperty(a => a.Reason, reason)
                .SetProperty(a => a.Log, a => a.Log + line), cancellationToken);
        if (cancelled == 0)
        {
            return false;
        }

        // The snapshot it would have created was listed as being created: it never will be.
        await db.Snapshots
            .Where(s => s.ActivityId == activity.Id && s.Status == SnapshotStatus.Creating)
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.Status, SnapshotStatus.Failed)
                .SetProperty(s => s.FailureReason, reason), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        events.Publish(new ActivityUpdate(activity.Id, activity.ProjectId, activity.EnvironmentId, activity.Type,
            ActivityState.Cancelled, null, activity.CompletionPercent, reason, null));
        return true;
    }

    /// <summary>Asks this node's run of the activity to stop; null when this node does not run it.</summary>
    public StopAnswer? RequestStop(string activityId, string requestedBy) =>
        _running.TryGetValue(activityId, out var run) ? run.Cancellation.Request(requestedBy) : null;

    public IReadOnlyList<string>? LinesSoFar(string activityId) =>
        _running.TryGetValue(activityId, out var run) ? run.LinesSoFar() : null;

    /// <summary>Makes a run reachable (cancel requests, its log) until the returned handle is disposed.</summary>
    internal IDisposable Register(string activityId, ActivityRun run)
    {
        _running[activityId] = run;
        return new Registration(this, activityId, run);
    }

    private sealed class Registration(RunningActivities owner, string activityId, ActivityRun run) : IDisposable
    {
        public void Dispose() => owner._running.TryRemove(new KeyValuePair<string, ActivityRun>(activityId, run));
    }
}

/// <summary>
/// A user's request to stop one run, and the run's point of no return: a request before it cancels <see cref="Token"/> (the
/// run stops at its next safe point); a request after it is refused with the reason the run gave when it passed it.
/// </summary>
public sealed class RunCancellation : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _requested = new();
    private readonly Action<string> _log;
    private string? _cannotStop;
    private string? _requestedBy;

    internal RunCancellation(Action<string> log) => _log = log;

    /// <summary>Cancelled when a user asked this run to stop (not when Portal stops).</summary>
    public CancellationToken Token => _requested.Token;

    /// <summary>The name of whoever asked the run to stop; null while nobody did.</summary>
    public string? RequestedBy
    {
        get
        {
            lock (_gate)
            {
                return _requestedBy;
            }
        }
    }

    /// <summary>
    /// The run is about to do what must not stop half-way; from now on requests are refused with <paramref name="cannotStop"/>.
    /// False when a stop was requested first: the run must stop instead.
    /// </summary>
    public bool TryPassPointOfNoReturn(string cannotStop)
    {
        lock (_gate)
        {
            if (_requestedBy is not null)
            {
                return false;
            }

            _cannotStop ??= cannotStop;
            return true;
        }
    }

    /// <summary>The run has ended: a request that still finds it is refused.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _cannotStop ??= "The activity has just ended; there is nothing left to cancel.";
            _requested.Dispose();
        }
    }

    internal StopAnswer Request(string requestedBy)
    {
        lock (_gate)
        {
            if (_cannotStop is not null)
            {
                return StopAnswer.Refused(_cannotStop);
            }

            if (_requestedBy is not null)
            {
                return StopAnswer.Accepted;
            }

            _requestedBy = requestedBy;
        }

        // Outside the lock: cancelling runs the run's callbacks on this thread, and they may read RequestedBy.
        _log($"cancel requested by {requestedBy}: stopping at the next safe point");
        try
        {
            _requested.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended in the meantime.
        }

        return StopAnswer.Accepted;
    }
}
