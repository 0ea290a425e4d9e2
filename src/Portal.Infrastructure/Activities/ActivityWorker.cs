namespace Portal.Infrastructure.Activities;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Telemetry;

/// <summary>
/// Runs pending activities: first in, first out within an environment, one at a time per environment,
/// several environments in parallel. See docs/adr/0002-activity-queue.md. Each poll is one run of the periodic base
/// (a failed claim is logged and retried); the recovery of interrupted work runs once before it.
/// </summary>
public sealed class ActivityWorker(
    IDbContextFactory<PortalDbContext> contexts,
    IEnumerable<IActivityExecutor> executors,
    ActivitySignal signal,
    IActivityEvents events,
    RunningActivities running,
    ISnapshotEngine engine,
    PortalMetrics metrics,
    Heartbeats heartbeats,
    TimeProvider time,
    IOptions<ActivityOptions> options,
    ActivityLeases leases,
    LiveUpdates.NodeWakeUps wakeUps,
    ILogger<ActivityWorker> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    public const string InterruptedReason = "interrupted: Portal stopped while this was running";

    private readonly Dictionary<string, IActivityExecutor> _executors = executors.ToDictionary(e => e.Type, StringComparer.Ordinal);
    private readonly Dictionary<Guid, Task> _running = [];
    private Task? _wake;
    private Task? _tick;

    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(options.Value.PollMilliseconds);

    protected override async Task StartingAsync(CancellationToken stoppingToken)
    {
        _running.Clear();
        _wake = null;
        _tick = null;
        if (leases.Enabled && !leases.Node.ClaimsWork)
        {
            return; // A web-only node reaches no environment's data: it neither recovers nor runs anything.
        }

        var resumed = leases.Enabled ? await TakeOverExpiredAsync(starting: true, stoppingToken) : await RecoverInterruptedAsync(stoppingToken);
        await CleanLeftoversAsync(stoppingToken);

        // Interrupted work is finished first; its environment takes nothing new until it is (it stays in progress).
        foreach (var activity in resumed)
        {
            _running[activity.EnvironmentId] = RunAsync(activity, stoppingToken, resumed: true);
        }
    }

    protected override async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        // This run's claims answer a wake-up or tick that came before them; one that comes while they run must bring another
        // run, so it is kept (completed) for the next wait instead of being replaced by a fresh wait that never sees it.
        if (_wake is { IsCompleted: true })
        {
            _wake = null;
        }

        if (_tick is { IsCompleted: true })
        {
            _tick = null;
        }

        if (leases.Enabled)
        {
            // Work of a node that died is finished here once its lease expires, the way a restart finishes it.
            foreach (var activity in await TakeOverExpiredAsync(starting: false, stoppingToken))
            {
                _running[activity.EnvironmentId] = RunAsync(activity, stoppingToken, resumed: true);
            }
        }

        while (_running.Count < options.Value.MaxParallelEnvironments && await ClaimAsync(stoppingToken) is { } activity)
        {
            _running[activity.EnvironmentId] = RunAsync(activity, stoppingToken);
        }

        await using var db = await contexts.CreateDbContextAsync(stoppingToken);
        metrics.QueueDepth(await db.Activities.CountAsync(a => a.State == ActivityState.Pending, stoppingToken));
    }

    protected override async Task<bool> WaitForNextRunAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        // Wake on new work, on a finished activity (its environment may have more), or on the poll safety net.
        // The same wait is kept across turns so a wake-up is never consumed by an abandoned one; one already completed
        // here came during the last run (RunOnceAsync clears those it answered) and starts the next at once.
        _wake ??= signal.WaitAsync(stoppingToken);
        _tick ??= Task.Delay(Interval, Time, stoppingToken);
        await Task.WhenAny([_wake, _tick, .. _running.Values]);
        foreach (var done in _running.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList())
        {
            _running.Remove(done);
        }

        return !stoppingToken.IsCancellationRequested;
    }

    protected override Task StoppedAsync() => Task.WhenAll(_running.Values);

    /// <summary>
    /// Activities a crash or kill left in progress. A restore or a deletion is finished by running it
    /// again (returned, still in progress; a restore's environment stays paused with the reason); anything else fails
    /// with the interrupted reason, and its snapshot never becomes restorable.
    /// </summary>
    internal async Task<IReadOnlyList<Activity>> RecoverInterruptedAsync(CancellationToken cancellationToken)
    {
        List<long> interrupted;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            interrupted = await db.Activities.Where(a => a.State == ActivityState.InProgress).Select(a => a.Sequence).ToListAsync(cancellationToken);
        }

        return await RecoverAsync(interrupted.ToDictionary(s => s, _ => (string?)null), cancellationToken);
    }

    /// <summary>
    /// With leases: the running activities whose lease expired (and at start, this configured node's own), taken over by
    /// this node and then recovered exactly as a restart recovers interrupted work. A live node's unexpired lease is never touched.
    /// </summary>
    internal async Task<IReadOnlyList<Activity>> TakeOverExpiredAsync(bool starting, CancellationToken cancellationToken) =>
        await RecoverAsync(await leases.TakeOverExpiredAsync(starting, _running.Keys, cancellationToken), cancellationToken);

    /// <summary>Recovers these interrupted activities, each with the node that was running it (null: this node's earlier run).</summary>
    private async Task<IReadOnlyList<Activity>> RecoverAsync(IReadOnlyDictionary<long, string?> runBy, CancellationToken cancellationToken)
    {
        if (runBy.Count == 0)
        {
            return [];
        }

        var sequences = runBy.Keys.ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var interrupted = await db.Activities.Where(a => sequences.Contains(a.Sequence)).OrderBy(a => a.Sequence).ToListAsync(cancellationToken);
        var now = Time.GetUtcNow();
        var resumed = new List<Activity>();
        foreach (var activity in interrupted)
        {
            // Taken over from another node whose lease expired: the log says which, so "interrupted" is not a mystery.
            var deadNode = runBy[activity.Sequence] is { } node && node != leases.Node.NodeId
                ? $"Portal node {node} stopped renewing its lease while this was running" : null;
            // A restore killed before it wrote its journal had changed nothing: it simply starts again.
            if (activity.Type is ActivityTypes.SnapshotDelete or ActivityTypes.Restore)
            {
                activity.Log += deadNode is not null
                    ? $"[{now:HH:mm:ss}] {deadNode}; node {leases.Node.NodeId} is finishing it\n"
                    : $"[{now:HH:mm:ss}] Portal restarted while this was running; finishing it\n";
                resumed.Add(activity);
                logger.LogWarning("Activity {ActivityId} ({Type}) on {Environment} was interrupted; finishing it", activity.Id, activity.Type, activity.EnvironmentName);
                continue;
            }

            activity.State = ActivityState.Complete;
            activity.Result = ActivityResult.Failure;
            activity.Reason = InterruptedReason;
            activity.CompletedAt = now;
            activity.Log += deadNode is null ? $"[{now:HH:mm:ss}] {InterruptedReason}\n" : $"[{now:HH:mm:ss}] {deadNode}\n[{now:HH:mm:ss}] {InterruptedReason}\n";
            logger.LogWarning("Activity {ActivityId} ({Type}) on {Environment} was interrupted", activity.Id, activity.Type, activity.EnvironmentName);
        }

        // A snapshot being taken when Portal died (a safety snapshot too) never becomes restorable; a resumed restore takes a new one.
        var activityIds = interrupted.Select(a => a.Id).ToList();
        await db.Snapshots
            .Where(s => s.Status == SnapshotStatus.Creating && activityIds.Contains(s.ActivityId))
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.Status, SnapshotStatus.Failed)
                .SetProperty(s => s.FailureReason, InterruptedReason), cancellationToken);

        // Until a resumed restore is done its environment may be mixed: it stays paused and says why.
        var finishing = resumed.Where(a => a.Type == ActivityTypes.Restore).Select(a => a.EnvironmentId).Distinct().ToList();
        await db.Environments
            .Where(e => finishing.Contains(e.Id))
            .ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Status, EnvironmentStatus.Paused)
                .SetProperty(e => e.StatusReason, Snapshots.EnvironmentPause.FinishingRestoreReason), cancellationToken);

        // Safe snapshots pause their environment; give it back.
        var environmentIds = interrupted.Select(a => a.EnvironmentId).Except(finishing).Distinct().ToList();
        await db.Environments
            .Where(e => environmentIds.Contains(e.Id) && e.Status == EnvironmentStatus.Paused)
            .ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Status, EnvironmentStatus.Active)
                .SetProperty(e => e.StatusReason, (string?)null), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return resumed;
    }

    /// <summary>
    /// A capture killed after writing its manifest, or one whose verification failed, leaves a manifest no restorable
    /// snapshot owns: drop it, and with it the objects nothing else shares.
    /// </summary>
    internal async Task CleanLeftoversAsync(CancellationToken cancellationToken)
    {
        List<string> failed;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            failed = await db.Snapshots.AsNoTracking().Where(s => s.Status == SnapshotStatus.Failed).Select(s => s.Id).ToListAsync(cancellationToken);
        }

        foreach (var id in failed)
        {
            try
            {
                if (!await engine.HasManifestAsync(id, cancellationToken))
                {
                    continue;
                }

                await engine.DeleteAsync(id, cancellationToken);
                logger.LogInformation("Removed the stored data of failed snapshot {Snapshot}", id);
            }
            catch (Exception ex) when (ex is SnapshotEngineException or IOException)
            {
                logger.LogWarning(ex, "Could not remove the stored data of failed snapshot {Snapshot}; the next start tries again", id);
            }
        }
    }

    private async Task<Activity?> ClaimAsync(CancellationToken cancellationToken)
    {
        var claimed = leases.Enabled ? await leases.ClaimAsync(_running.Keys, cancellationToken) : await ClaimNextAsync(_running.Keys, cancellationToken);
        if (claimed is not null)
        {
            metrics.Started(claimed.Type, claimed.StartedAt!.Value - claimed.CreatedAt);
        }

        return claimed;
    }

    /// <summary>The one node of SQLite: the oldest pending activity of an environment with nothing in progress.</summary>
    private async Task<Activity?> ClaimNextAsync(IReadOnlyCollection<Guid> busyHere, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var busy = busyHere.ToList();
        while (true)
        {
            var next = await db.Activities.AsNoTracking()
                .Where(a => a.State == ActivityState.Pending && !busy.Contains(a.EnvironmentId)
                    && !db.Activities.Any(b => b.EnvironmentId == a.EnvironmentId && b.State == ActivityState.InProgress))
                .OrderBy(a => a.Sequence)
                .FirstOrDefaultAsync(cancellationToken);
            if (next is null)
            {
                return null;
            }

            var now = Time.GetUtcNow();

            // Only one claimant can move it out of pending; losing the race means looking again.
            var claimed = await db.Activities
                .Where(a => a.Sequence == next.Sequence && a.State == ActivityState.Pending)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(a => a.State, ActivityState.InProgress)
                    .SetProperty(a => a.StartedAt, now), cancellationToken);
            if (claimed == 1)
            {
                next.State = ActivityState.InProgress;
                next.StartedAt = now;
                return next;
            }

            busy.Add(next.EnvironmentId);
        }
    }

    private async Task RunAsync(Activity activity, CancellationToken stoppingToken, bool resumed = false)
    {
        await Task.Yield();
        using var span = PortalMetrics.Runs.StartActivity("activity");
        span?.SetTag("portal.activity.type", activity.Type);
        span?.SetTag("portal.activity.id", activity.Id);
        var run = new ActivityRun(activity, contexts, events, Time, TimeSpan.FromMilliseconds(options.Value.ProgressFlushMilliseconds));
        if (CannotStop(activity, resumed) is { } cannotStop)
        {
            run.Cancellation.TryPassPointOfNoReturn(cannotStop);
        }

        // The executor stops at its next safe point when Portal stops or when a user cancels this run; a request that comes
        // after the run's point of no return (until it is recorded complete) is answered with the reason the run gave.
        using var cancellation = run.Cancellation;
        // With leases the run also stops when this node loses its lease: another node has the activity now.
        using var lease = leases.Enabled ? leases.Hold(activity.Sequence) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, run.Cancellation.Token, lease?.Lost ?? CancellationToken.None);
        using var reachable = running.Register(activity.Id, run);
        ActivityResult? result;
        string? reason = null;
        await using (run)
        {
            events.Publish(run.Snapshot(ActivityState.InProgress, null));
            try
            {
                if (!_executors.TryGetValue(activity.Type, out var executor))
                {
                    throw new ActivityFailedException($"Portal cannot run activities of type {activity.Type}.");
                }

                run.Log($"{ActivityTypes.Label(activity.Type)} started");
                await executor.ExecuteAsync(activity, run, stop.Token);
                cancellation.TryPassPointOfNoReturn($"Activity {activity.Id} has done its work and is being recorded as complete; there is nothing left to cancel.");
                result = ActivityResult.Success;
                run.Log($"{ActivityTypes.Label(activity.Type)} completed");
            }
            catch (ActivitySuspendedException ex)
            {
                run.Log(ex.Message);
                await run.FlushAsync(CancellationToken.None);
                logger.LogInformation("Activity {ActivityId} ({Type}) on {Environment} is left to be finished at the next start",
                    activity.Id, activity.Type, activity.EnvironmentName);
                if (lease is not null && lease.LostBecause is null)
                {
                    // Another node may finish it now rather than when the lease would have run out.
                    await leases.ReleaseAsync(activity.Sequence, CancellationToken.None);
                }

                return;
            }
            catch (Exception) when (lease?.LostBecause is { } lost && run.Cancellation.RequestedBy is null)
            {
                run.Log($"stopped on node {leases.Node.NodeId}: {lost}");
                await run.FlushAsync(CancellationToken.None);
                logger.LogWarning("Activity {ActivityId} ({Type}) on {Environment} stopped here: {Reason}", activity.Id, activity.Type, activity.EnvironmentName, lost);
                return;
            }
            catch (Exception) when (run.Cancellation.RequestedBy is { } by)
            {
                // Whatever the stop surfaced as, the executor undid its partial work before letting it through.
                result = null;
                reason = $"cancelled by {by}";
                run.Log(reason);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                result = ActivityResult.Failure;
                reason = InterruptedReason;
                run.Log(reason);
            }
            catch (Exception ex) when (ex is ActivityFailedException or PortalRefusedException)
            {
                result = ActivityResult.Failure;
                reason = ex.Message;
                run.Log($"failed: {reason}");
            }
            catch (Exception ex) when (FailureMessages.Describe(ex) is { } known)
            {
                // A condition the user can fix (a full disk, a denied path): said plainly, not as an unexpected error.
                logger.LogWarning(ex, "Activity {ActivityId} ({Type}) failed: {Reason}", activity.Id, activity.Type, known);
                result = ActivityResult.Failure;
                reason = known;
                run.Log($"failed: {reason}");
            }
            catch (Exception ex)
            {
                // Users get the message, the server log gets the stack trace.
                logger.LogError(ex, "Activity {ActivityId} ({Type}) failed unexpectedly", activity.Id, activity.Type);
                result = ActivityResult.Failure;
                reason = $"unexpected error: {ex.Message}";
                run.Log($"failed: {reason}");
            }
        }

        await CompleteAsync(activity, run, result, reason);
        span?.SetStatus(result == ActivityResult.Failure ? System.Diagnostics.ActivityStatusCode.Error : System.Diagnostics.ActivityStatusCode.Ok, reason);
    }

    /// <summary>Why a run refuses to be cancelled from its start, if it does: work that must end whole once begun.</summary>
    private static string? CannotStop(Activity activity, bool resumed) => activity.Type switch
    {
        ActivityTypes.SnapshotDelete => $"Deleting snapshot {activity.SnapshotId} cannot stop once it has started; it will finish.",
        ActivityTypes.Restore when resumed => "Portal is finishing this restore after a restart, so it cannot stop now; it will finish.",
        _ => null,
    };

    /// <summary>Records the end: complete with <paramref name="result"/>, or cancelled when there is none.</summary>
    private async Task CompleteAsync(Activity activity, ActivityRun run, ActivityResult? result, string? reason)
    {
        // Completion must be written even while Portal stops, or the activity would look interrupted after a clean shutdown.
        await run.FlushAsync(CancellationToken.None);
        var now = Time.GetUtcNow();
        var state = result is null ? ActivityState.Cancelled : ActivityState.Complete;
        var percent = result == ActivityResult.Success ? 100 : run.Percent;
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        var recorded = await leases.Held(db.Activities.Where(a => a.Sequence == activity.Sequence)).ExecuteUpdateAsync(set => set
            .SetProperty(a => a.State, state)
            .SetProperty(a => a.Result, result)
            .SetProperty(a => a.Reason, reason)
            .SetProperty(a => a.CompletionPercent, percent)
            .SetProperty(a => a.Warnings, run.Warnings)
            .SetProperty(a => a.CompletedAt, now), CancellationToken.None);
        if (recorded == 0)
        {
            // Its lease was taken over meanwhile: the node that has it now records the end.
            logger.LogWarning("Activity {ActivityId} ({Type}) on {Environment} ended here ({Result}) after another node took it over; its end is that node's to record",
                activity.Id, activity.Type, activity.EnvironmentName, result?.ToString() ?? nameof(ActivityState.Cancelled));
            return;
        }

        events.Publish(run.Snapshot(state, result, percent));
        // Its environment is free again: work queued behind it may be for another node.
        await wakeUps.AnnounceAsync(CancellationToken.None);
        var outcome = result?.ToString() ?? nameof(ActivityState.Cancelled);
        metrics.Completed(activity.Type, outcome, now - (activity.StartedAt ?? now));
        logger.LogInformation("Activity {ActivityId} ({Type}) on {Environment} ended: {Result} {Reason}",
            activity.Id, activity.Type, activity.EnvironmentName, outcome, reason);
    }
}
