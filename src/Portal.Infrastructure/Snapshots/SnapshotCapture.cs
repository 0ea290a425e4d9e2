namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Telemetry;

/// <summary>
/// Takes one snapshot of an environment through the engine and records it; shared by "create snapshot"
/// and the safety snapshot a restore takes first. A snapshot is Created once its manifest is committed: objects were hashed as they were written and synced before it, so they are not read back (a restore checks each one as it uses it).
/// </summary>
internal sealed class SnapshotCapture(
    IDbContextFactory<PortalDbContext> contexts,
    ISnapshotEngine engine,
    TimeProvider time,
    IOptions<SnapshotOptions> options,
    PortalMetrics metrics)
{
    public async Task<Snapshot> CaptureAsync(
        ProjectEnvironment environment, string snapshotId, Activity activity, bool safe, bool isSafetySnapshot,
        ActivityRun run, double fromPercent, double toPercent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        Snapshot snapshot;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // A requested snapshot was recorded when it was queued (automated or not); a safety snapshot is new here.
            var queued = await db.Snapshots.AsNoTracking().Where(s => s.Id == snapshotId).Select(s => new { s.Automated }).SingleOrDefaultAsync(cancellationToken);
            var automated = queued?.Automated ?? false;
            snapshot = new Snapshot
            {
                Automated = automated,
                Id = snapshotId,
                ProjectId = environment.ProjectId,
                EnvironmentId = environment.Id,
                EnvironmentName = environment.Name,
                Safe = safe,
                IsSafetySnapshot = isSafetySnapshot,
                CreatedAt = now,
                ExpiresAt = options.Value.ExpiresAt(environment.Type, now, automated),
                CreatedBy = activity.InitiatedBy,
                ActivityId = activity.Id,
            };
            if (queued is not null)
            {
                db.Snapshots.Update(snapshot);
            }
            else
            {
                db.Snapshots.Add(snapshot);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        run.Log($"{(isSafetySnapshot ? "safety snapshot" : "snapshot")} {snapshotId}: capturing {string.Join(", ", environment.Services.Select(s => s.Name))}");
        try
        {
            var result = await engine.CaptureAsync(
                new CaptureRequest(snapshotId, environment.Id.ToString("N"), ToSpecs(environment), Live: !safe, Label: LabelOf(snapshot)),
                new EngineProgressAdapter(run.Phase(fromPercent, toPercent)),
                cancellationToken);
            // A requested snapshot's last safe point: once it is recorded as created, a cancel is refused. A safety snapshot
            // leaves that to its restore, which can still stop after taking it.
            if (!isSafetySnapshot && !run.Cancellation.TryPassPointOfNoReturn($"Snapshot {snapshotId} is complete and being recorded; there is nothing left to cancel."))
            {
                throw new OperationCanceledException($"snapshot {snapshotId} was cancelled");
            }

            foreach (var warning in result.Warnings)
            {
                run.Warn(warning);
            }

            metrics.Captured(result.SizeOfDatabases + result.SizeOfVolumes, result.SizeStored);
            run.Log($"captured {Bytes(result.SizeOfDatabases)} of databases and {Bytes(result.SizeOfVolumes)} of files, {Bytes(result.SizeStored)} newly stored, in {result.Elapsed.TotalSeconds:0.0} s");

            snapshot.Status = SnapshotStatus.Created;
            snapshot.CompletedAt = time.GetUtcNow();
            snapshot.SizeOfDatabases = result.SizeOfDatabases;
            snapshot.SizeOfVolumes = result.SizeOfVolumes;
            snapshot.SizeStored = result.SizeStored;
            await SaveAsync(snapshot);
            run.Report(toPercent);
            return snapshot;
        }
        catch (Exception ex)
        {
            var cancelledBy = run.Cancellation.RequestedBy;
            snapshot.Status = SnapshotStatus.Failed;
            snapshot.FailureReason = cancelledBy is not null ? $"cancelled by {cancelledBy}"
                : cancellationToken.IsCancellationRequested ? ActivityWorker.InterruptedReason
                : ex.Message;
            await SaveAsync(snapshot);
            if (cancelledBy is not null)
            {
                await RemoveLeftoversAsync(snapshotId, run);
            }

            if (ex is SnapshotEngineException)
            {
                throw new ActivityFailedException(ex.Message);
            }

            throw;
        }
    }

    /// <summary>A requested snapshot that ended before its capture began (a pre-snapshot command failed, a cancel) never will be created.</summary>
    public async Task FailIfNeverCapturedAsync(string snapshotId, string reason)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.Snapshots.Where(s => s.Id == snapshotId && s.Status == SnapshotStatus.Creating)
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.Status, SnapshotStatus.Failed)
                .SetProperty(s => s.FailureReason, reason), CancellationToken.None);
    }

    /// <summary>
    /// A cancelled capture leaves nothing behind: its manifest if it got that far, and the objects and temp files no other
    /// snapshot uses, collected as a deletion does (what fails here goes with the next start or collection, as a failed capture's does).
    /// </summary>
    private async Task RemoveLeftoversAsync(string snapshotId, ActivityRun run)
    {
        try
        {
            await engine.DeleteAsync(snapshotId, CancellationToken.None);
            run.Log($"removed what the cancelled capture of {snapshotId} had stored");
        }
        catch (Exception ex) when (ex is SnapshotEngineException or IOException)
        {
            run.Log($"warning: what the cancelled capture of {snapshotId} had stored could not be removed yet ({ex.Message}); it goes at the next cleanup");
        }
    }

    /// <summary>What the manifest keeps of the row, by the declared names, so a Portal without this database can list the snapshot again (<see cref="StoreReindex"/>).</summary>
    private static SnapshotLabel LabelOf(Snapshot snapshot) => new(
        snapshot.ProjectId, snapshot.EnvironmentName, snapshot.CreatedBy, snapshot.Safe, snapshot.IsSafetySnapshot, snapshot.ActivityId, snapshot.CreatedAt, snapshot.ExpiresAt)
    {
        Automated = snapshot.Automated,
    };

    public static IReadOnlyList<ServiceSpec> ToSpecs(ProjectEnvironment environment) =>
        [.. environment.Services.Select(s => new ServiceSpec(s.Name, s.Kind, s.Location))];

    public static string Bytes(long bytes) => ByteSize.Format(bytes);

    // The outcome is recorded even when Portal is stopping, so a snapshot is never left "creating".
    private async Task SaveAsync(Snapshot snapshot)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        db.Snapshots.Update(snapshot);
        await db.SaveChangesAsync(CancellationToken.None);
    }
}

/// <summary>Bridges the engine's byte progress to the activity's percent.</summary>
internal sealed class EngineProgressAdapter(IProgress<(long Done, long Total, string? Message)> inner) : IProgress<EngineProgress>
{
    public void Report(EngineProgress value) => inner.Report((value.BytesDone, value.BytesTotal, value.Message));
}
