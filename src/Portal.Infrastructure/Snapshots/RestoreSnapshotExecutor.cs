namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Runs "environment.restore": verify the snapshot, take a safety snapshot of what will be replaced (unless told not to),
/// then let the engine put services and mounts back. Code is never touched.
/// </summary>
internal sealed class RestoreSnapshotExecutor(
    IDbContextFactory<PortalDbContext> contexts,
    EnvironmentLoader environments,
    SnapshotCapture capture,
    EnvironmentPause pause,
    ISnapshotEngine engine,
    TimeProvider time) : IActivityExecutor
{
    public string Type => ActivityTypes.Restore;

    public async Task ExecuteAsync(Activity activity, ActivityRun run, CancellationToken cancellationToken)
    {
        var payload = SnapshotPayload.Parse(activity.Payload);
        Snapshot snapshot;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            snapshot = await db.Snapshots.AsNoTracking().FirstOrDefaultAsync(s => s.Id == activity.SnapshotId, cancellationToken)
                ?? throw new ActivityFailedException($"Snapshot {activity.SnapshotId} no longer exists.");
        }

        var source = await environments.LoadAsync(snapshot.EnvironmentId, cancellationToken);
        var target = payload.TargetEnvironmentId is { } targetId && targetId != source.Id
            ? await environments.LoadAsync(targetId, cancellationToken)
            : source;

        // Checked again at run time: the snapshot may have expired while the restore waited in the queue.
        AccessGuard.Enforce(SnapshotRules.CheckRestorable(snapshot, source, time.GetUtcNow())
            ?? (target == source ? null : SnapshotRules.CheckEnvironmentAllowsSnapshots(target)));

        run.Log($"verifying snapshot {snapshot.Id}");
        await Engine(() => engine.VerifyAsync(snapshot.Id, cancellationToken));
        run.Report(10, "snapshot verified");

        await using (await pause.PauseAsync(target, run, cancellationToken))
        {
            var restoreFrom = 10.0;
            if (payload.TakeSafetySnapshot)
            {
                var safety = await capture.CaptureAsync(target, payload.SafetySnapshotId ?? PortalIds.New(), activity,
                    safe: true, isSafetySnapshot: true, run, 10, 50, cancellationToken);
                run.Log($"safety snapshot {safety.Id} taken: restore it to undo this restore");
                restoreFrom = 50;
            }

            run.Log($"restoring {string.Join(", ", target.Services.Select(s => s.Name))} of {target.Name} from snapshot {snapshot.Id}");
            var result = await Engine(() => engine.RestoreAsync(
                new RestoreRequest(snapshot.Id, SnapshotCapture.ToSpecs(target)),
                new EngineProgressAdapter(run.Phase(restoreFrom, 99)),
                cancellationToken));
            foreach (var warning in result.Warnings)
            {
                run.Log($"warning: {warning}");
            }
        }
    }

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
}
