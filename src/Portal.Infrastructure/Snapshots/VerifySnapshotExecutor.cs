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
/// Runs "environment.backup.verify": re-reads every stored object of one snapshot and checks its hash. It only reads, so
/// stopping it at any instant changes nothing; only a finished verify records its outcome on the snapshot, and a damaged
/// snapshot stops being restorable with the reason.
/// </summary>
internal sealed class VerifySnapshotExecutor(IDbContextFactory<PortalDbContext> contexts, ISnapshotEngine engine, TimeProvider time) : IActivityExecutor
{
    public string Type => ActivityTypes.SnapshotVerify;

    public async Task ExecuteAsync(Activity activity, ActivityRun run, CancellationToken cancellationToken)
    {
        var snapshotId = activity.SnapshotId ?? throw new ActivityFailedException("The activity names no snapshot.");
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // Checked again: the snapshot may have been deleted or expired while the verify waited.
            var snapshot = await db.Snapshots.AsNoTracking().SingleOrDefaultAsync(s => s.Id == snapshotId, cancellationToken)
                ?? throw new ActivityFailedException($"Snapshot {snapshotId} no longer exists.");
            AccessGuard.Enforce(SnapshotRules.CheckVerifiable(snapshot));
        }

        run.Log($"verifying snapshot {snapshotId}");
        try
        {
            await engine.VerifyAsync(snapshotId, new EngineProgressAdapter(run.Phase(0, 99)), cancellationToken);
        }
        catch (SnapshotEngineException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A missing or damaged manifest or object: the store cannot give this snapshot back. (A store that cannot be
            // reached throws something else and records nothing: the next verify tries again.)
            var reason = TextCut.Fit(ex.Message, ColumnLengths.Reason);
            await RecordAsync(snapshotId, reason);
            run.Log($"snapshot {snapshotId} is damaged and can no longer be restored");
            throw new ActivityFailedException(reason);
        }

        await RecordAsync(snapshotId, null);
        run.Log($"snapshot {snapshotId} verified: every object matches its hash");
    }

    /// <summary>Written even while Portal stops: the verify is done, only its outcome is left to record.</summary>
    private async Task RecordAsync(string snapshotId, string? failure)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.Snapshots.Where(s => s.Id == snapshotId && s.Status == SnapshotStatus.Created)
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.VerifiedAt, now)
                .SetProperty(s => s.VerifyFailure, failure), CancellationToken.None);
    }
}
