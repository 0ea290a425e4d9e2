namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Engine;
using Portal.Infrastructure.Persistence;

/// <summary>Reads and writes <see cref="RestoreJournal"/> rows; every write is committed before it returns.</summary>
internal sealed class RestoreJournals(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    /// <summary>The journal of this restore with one more attempt counted; created on the first attempt.</summary>
    public async Task<RestoreJournal> BeginAttemptAsync(string activityId, Guid environmentId, string snapshotId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var journal = await db.RestoreJournals.FirstOrDefaultAsync(j => j.ActivityId == activityId, cancellationToken);
        if (journal is null)
        {
            journal = new RestoreJournal { ActivityId = activityId, EnvironmentId = environmentId, SnapshotId = snapshotId, Phase = RestorePhase.Preparing };
            db.RestoreJournals.Add(journal);
        }

        journal.Attempts++;
        journal.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return journal;
    }

    public async Task<RestoreJournal?> FindAsync(string activityId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.RestoreJournals.AsNoTracking().FirstOrDefaultAsync(j => j.ActivityId == activityId, cancellationToken);
    }

    /// <summary>Snapshots an unfinished restore still needs, which expiry must not remove.</summary>
    public async Task<HashSet<string>> SnapshotsInUseAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.RestoreJournals.AsNoTracking().Select(j => new { j.SnapshotId, j.SafetySnapshotId }).ToListAsync(cancellationToken);
        return [.. rows.SelectMany(r => new[] { r.SnapshotId, r.SafetySnapshotId }).OfType<string>()];
    }

    public Task SetSafetySnapshotAsync(string activityId, string safetySnapshotId, CancellationToken cancellationToken) =>
        UpdateAsync(activityId, j => j.SafetySnapshotId = safetySnapshotId, cancellationToken);

    /// <summary>From now on the safety snapshot is what is being restored, into every service, whatever was committed before.</summary>
    public Task StartRollbackAsync(string activityId, string safetySnapshotId, CancellationToken cancellationToken) =>
        UpdateAsync(activityId, j =>
        {
            j.Phase = RestorePhase.RollingBack;
            j.SnapshotId = safetySnapshotId;
            j.Services = [];
            j.Committed = [];
        }, cancellationToken);

    /// <summary>The restore ended (done, refused before any change, or handed over as needing attention): nothing is left to finish.</summary>
    public async Task FinishAsync(string activityId)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.RestoreJournals.Where(j => j.ActivityId == activityId).ExecuteDeleteAsync(CancellationToken.None);
    }

    /// <summary>The engine's view of this journal: it says when it starts replacing, and each service it replaced.</summary>
    public IRestoreJournal ForEngine(string activityId) => new EngineJournal(this, activityId);

    private async Task UpdateAsync(string activityId, Action<RestoreJournal> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var journal = await db.RestoreJournals.FirstAsync(j => j.ActivityId == activityId, cancellationToken);
        change(journal);
        journal.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
    }

    private sealed class EngineJournal(RestoreJournals journals, string activityId) : IRestoreJournal
    {
        // Services commit concurrently; their records are read-modify-write on one row. A Lock cannot be held across await.
        private readonly Lock _order = new();
        private Task _last = Task.CompletedTask;

        public Task CommittingAsync(IReadOnlyList<string> services, CancellationToken cancellationToken) =>
            WriteAsync(j =>
            {
                j.Phase = j.Phase == RestorePhase.RollingBack ? RestorePhase.RollingBack : RestorePhase.Committing;
                j.Services = [.. j.Services.Union(services, StringComparer.Ordinal)];
            }, cancellationToken);

        public Task CommittedAsync(string service, CancellationToken cancellationToken) =>
            WriteAsync(j => j.Committed = [.. j.Committed.Append(service).Distinct(StringComparer.Ordinal)], cancellationToken);

        /// <summary>Chains each write after the previous one, so concurrent commits never overwrite each other's record.</summary>
        private Task WriteAsync(Action<RestoreJournal> change, CancellationToken cancellationToken)
        {
            lock (_order)
            {
                var previous = _last;
                _last = WriteAfterAsync(previous, change, cancellationToken);
                return _last;
            }
        }

        private async Task WriteAfterAsync(Task previous, Action<RestoreJournal> change, CancellationToken cancellationToken)
        {
            try
            {
                await previous;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The failed write reported itself to its own caller; this one still goes.
            }

            await journals.UpdateAsync(activityId, change, cancellationToken);
        }
    }
}
