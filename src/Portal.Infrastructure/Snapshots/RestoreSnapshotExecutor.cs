namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Telemetry;

/// <summary>
/// Runs "environment.restore": take a safety snapshot of what will be replaced (unless told not to), then let the engine
/// build every service beside the old one, checking each object as it is put in place, and switch them all in. Code is never touched. A restore is one unit: its journal says which
/// services were replaced, so a run that Portal's restart interrupted is finished by the next one, and a restore that
/// cannot be finished puts the safety snapshot back; an environment is never handed back mixed.
/// </summary>
internal sealed class RestoreSnapshotExecutor(
    IDbContextFactory<PortalDbContext> contexts,
    EnvironmentLoader environments,
    SnapshotCapture capture,
    EnvironmentPause pause,
    ISnapshotEngine engine,
    RestoreJournals journals,
    PortalMetrics metrics,
    TimeProvider time) : IActivityExecutor
{
    /// <summary>Runs of one restore before Portal stops trying to finish it and puts the safety snapshot back instead.</summary>
    internal const int MaxAttempts = 3;

    // Fields rather than captured parameters, so one run's Attempt can reach them.
    private readonly SnapshotCapture _capture = capture;
    private readonly ISnapshotEngine _engine = engine;
    private readonly RestoreJournals _journals = journals;
    private readonly PortalMetrics _metrics = metrics;

    public string Type => ActivityTypes.Restore;

    public async Task ExecuteAsync(Activity activity, ActivityRun run, CancellationToken cancellationToken)
    {
        var payload = SnapshotPayload.Parse(activity.Payload);
        var snapshot = await LoadSnapshotAsync(activity.SnapshotId, cancellationToken)
            ?? throw new ActivityFailedException($"Snapshot {activity.SnapshotId} no longer exists.");
        var source = await environments.LoadAsync(snapshot.EnvironmentId, cancellationToken);
        var target = payload.TargetEnvironmentId is { } targetId && targetId != source.Id
            ? await environments.LoadAsync(targetId, cancellationToken)
            : source;

        var journal = await _journals.BeginAttemptAsync(activity.Id, target.Id, snapshot.Id, cancellationToken);
        var resuming = journal.Attempts > 1;
        if (resuming)
        {
            run.Log($"Portal restarted during this restore; {Describe(journal)}; finishing it (run {journal.Attempts} of at most {MaxAttempts})");
        }
        else
        {
            await CheckRulesAsync(activity, snapshot, source, target);
        }

        EnvironmentPause.PauseHandle hold;
        try
        {
            hold = await pause.PauseAsync(target, run, cancellationToken, resuming);
        }
        catch (Exception) when (!resuming)
        {
            // Stopped or failed while pausing (a pre-snapshot command): nothing was touched, so nothing is left to finish.
            await _journals.FinishAsync(activity.Id);
            throw;
        }

        await using (hold)
        {
            var restore = new Attempt(this, activity, run, target, hold, cancellationToken);
            await restore.RunAsync(journal, payload);
        }
    }

    private async Task CheckRulesAsync(Activity activity, Snapshot snapshot, ProjectEnvironment source, ProjectEnvironment target)
    {
        // Checked again at run time: the snapshot may have expired while the restore waited in the queue.
        var refusal = SnapshotRules.CheckRestorable(snapshot, source, time.GetUtcNow())
            ?? (target == source ? null : SnapshotRules.CheckEnvironmentAllowsSnapshots(target));
        if (refusal is not null)
        {
            // Refused before anything was touched: there is nothing to finish.
            await _journals.FinishAsync(activity.Id);
            AccessGuard.Enforce(refusal);
        }
    }

    private async Task<Snapshot?> LoadSnapshotAsync(string? snapshotId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Snapshots.AsNoTracking().FirstOrDefaultAsync(s => s.Id == snapshotId, cancellationToken);
    }

    private static string Describe(RestoreJournal journal) => journal.Phase switch
    {
        RestorePhase.Preparing => "nothing had been replaced yet",
        RestorePhase.Committing when journal.Committed.Count == 0 => $"it was about to replace {string.Join(", ", journal.Services)}",
        RestorePhase.Committing => $"{string.Join(", ", journal.Committed)} already held the snapshot, "
            + $"{string.Join(", ", journal.Services.Except(journal.Committed, StringComparer.Ordinal))} did not yet",
        _ => $"it was putting back safety snapshot {journal.SnapshotId} ({Count(journal.Committed.Count, "service")} done)",
    };

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    private static async Task Engine(Func<Task> call) => await Engine(async () =>
    {
        await call();
        return true;
    });

    private static async Task<T> Engine<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (SnapshotEngineException ex)
        {
            throw new ActivityFailedException(ex.Message);
        }
    }

    /// <summary>One run of a restore, from wherever its journal stands to done, rolled back, or needing attention.</summary>
    private sealed class Attempt(
        RestoreSnapshotExecutor owner, Activity activity, ActivityRun run, ProjectEnvironment target,
        EnvironmentPause.PauseHandle hold, CancellationToken cancellationToken)
    {
        public async Task RunAsync(RestoreJournal journal, SnapshotPayload payload)
        {
            try
            {
                await FinishOrGiveUpAsync(journal, payload);
            }
            catch (Exception) when (run.Cancellation.RequestedBy is not null)
            {
                // Cancelled before replacing anything (StopGate refuses a cancel from then on): the services are as they were,
                // so there is nothing to finish; a safety snapshot already taken stays, a partial one was removed.
                await owner._journals.FinishAsync(activity.Id);
                throw;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // A graceful stop: the journal stays, so the next start finishes this run from where it stood.
                hold.KeepPausedForRestart();
                throw new ActivitySuspendedException("Portal stopped during this restore; it finishes it at its next start");
            }
        }

        private async Task FinishOrGiveUpAsync(RestoreJournal journal, SnapshotPayload payload)
        {
            if (journal.Phase == RestorePhase.RollingBack || journal.Attempts > MaxAttempts)
            {
                await GiveUpAsync(journal, $"the restore was interrupted {Count(journal.Attempts - 1, "time")}");
                return;
            }

            Exception failure;
            try
            {
                var restoreFrom = 10.0;
                if (payload.TakeSafetySnapshot && journal.SafetySnapshotId is null && payload.SafetySnapshotId is { } taken && await IsCreatedAsync(taken))
                {
                    // A run killed after it finished (its journal gone, the activity not yet complete) took it already: keep that one.
                    await owner._journals.SetSafetySnapshotAsync(activity.Id, taken, cancellationToken);
                    journal.SafetySnapshotId = taken;
                    run.Log($"safety snapshot {taken} was taken by the interrupted run; keeping it");
                }

                if (payload.TakeSafetySnapshot && !await HasSafetySnapshotAsync(journal))
                {
                    var id = journal.SafetySnapshotId is null && payload.SafetySnapshotId is { } planned && await owner.LoadSnapshotAsync(planned, CancellationToken.None) is null
                        ? planned
                        : PortalIds.New();
                    await owner._journals.SetSafetySnapshotAsync(activity.Id, id, cancellationToken);
                    var safety = await owner._capture.CaptureAsync(target, id, activity, safe: true, isSafetySnapshot: true, run, 10, 50, cancellationToken);
                    run.Log($"safety snapshot {safety.Id} taken: restore it to undo this restore");
                    restoreFrom = 50;
                }

                await RestoreServicesAsync(journal.SnapshotId, journal.Committed, restoreFrom);
                await owner._journals.FinishAsync(activity.Id);
                hold.EndAsWhole();
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }

            if (await owner._journals.FindAsync(activity.Id, CancellationToken.None) is { Phase: RestorePhase.Committing } now)
            {
                // Some services may already hold the snapshot: never hand the environment back mixed.
                await GiveUpAsync(now, Reason(failure));
            }

            await owner._journals.FinishAsync(activity.Id);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        private async Task RestoreServicesAsync(string snapshotId, List<string> committed, double fromPercent)
        {
            var targets = SnapshotCapture.ToSpecs(target).Where(s => !committed.Contains(s.Name, StringComparer.Ordinal)).ToList();
            if (committed.Count > 0)
            {
                run.Log($"{string.Join(", ", committed)} already hold snapshot {snapshotId}; left as they are");
            }

            run.Log($"restoring {string.Join(", ", targets.Select(s => s.Name))} of {target.Name} from snapshot {snapshotId}");
            var result = await Engine(() => owner._engine.RestoreAsync(
                new RestoreRequest(snapshotId, targets, new StopGate(owner._journals.ForEngine(activity.Id), run.Cancellation, target.Name), target.Id.ToString("N")),
                new EngineProgressAdapter(run.Phase(fromPercent, 99)),
                cancellationToken));
            owner._metrics.Restored(result.BytesRestored);
            foreach (var warning in result.Warnings)
            {
                run.Warn(warning);
            }
        }

        /// <summary>
        /// The restore cannot be finished: put the safety snapshot back into every service. Without one, or if that fails
        /// too, the environment is marked as needing attention with the reason, and a new restore repairs it.
        /// </summary>
        private async Task GiveUpAsync(RestoreJournal journal, string reason)
        {
            var safetyId = journal.Phase == RestorePhase.RollingBack ? journal.SnapshotId : journal.SafetySnapshotId;
            if (journal.Phase == RestorePhase.Preparing)
            {
                await owner._journals.FinishAsync(activity.Id);
                throw new ActivityFailedException($"{reason} before anything was replaced; {target.Name} is as it was.");
            }

            if (safetyId is null || !await IsCreatedAsync(safetyId) || journal.Attempts > 2 * MaxAttempts)
            {
                await NeedsAttentionAsync(journal, reason, safetyId is null ? "there is no safety snapshot to put back" : $"safety snapshot {safetyId} cannot be put back either");
            }

            if (journal.Phase != RestorePhase.RollingBack)
            {
                await owner._journals.StartRollbackAsync(activity.Id, safetyId!, CancellationToken.None);
            }

            run.Log($"the restore cannot be finished ({reason}); putting back safety snapshot {safetyId}");
            try
            {
                await RestoreServicesAsync(safetyId!, journal.Phase == RestorePhase.RollingBack ? journal.Committed : [], 10);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                await NeedsAttentionAsync(journal, reason, $"putting back safety snapshot {safetyId} failed too: {Reason(ex)}");
            }

            await owner._journals.FinishAsync(activity.Id);
            hold.EndAsWhole();
            throw new ActivityFailedException(
                $"The restore could not be finished ({reason}); safety snapshot {safetyId} was put back, so {target.Name} is as it was before the restore.");
        }

        private async Task NeedsAttentionAsync(RestoreJournal journal, string reason, string andWhy)
        {
            var why = $"the restore of snapshot {activity.SnapshotId} stopped part-way ({reason}) and {andWhy}; "
                + $"restore a snapshot to make {target.Name} whole again";
            hold.EndAsNeedingAttention(why);
            await owner._journals.FinishAsync(activity.Id);
            throw new ActivityFailedException(char.ToUpperInvariant(why[0]) + why[1..] + ".");
        }

        private async Task<bool> HasSafetySnapshotAsync(RestoreJournal journal) =>
            journal.SafetySnapshotId is { } id && await IsCreatedAsync(id);

        private async Task<bool> IsCreatedAsync(string snapshotId) =>
            await owner.LoadSnapshotAsync(snapshotId, CancellationToken.None) is { Status: SnapshotStatus.Created }
            && await owner._engine.HasManifestAsync(snapshotId, CancellationToken.None);

        private static string Reason(Exception ex) => ex.Message.TrimEnd('.');
    }

    /// <summary>
    /// The restore's point of no return is its journal's destructive phase: a cancel that came before it stops the restore
    /// there, with nothing replaced; one that comes after is refused, and the restore finishes.
    /// </summary>
    private sealed class StopGate(IRestoreJournal journal, RunCancellation cancellation, string environment) : IRestoreJournal
    {
        public Task CommittingAsync(IReadOnlyList<string> services, CancellationToken cancellationToken) =>
            cancellation.TryPassPointOfNoReturn($"The restore is replacing the services of {environment} and cannot stop now; it will finish.")
                ? journal.CommittingAsync(services, cancellationToken)
                : throw new OperationCanceledException("the restore was cancelled before it replaced anything");

        public Task CommittedAsync(string service, CancellationToken cancellationToken) => journal.CommittedAsync(service, cancellationToken);
    }
}
