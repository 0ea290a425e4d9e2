namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Engine;

internal sealed class SnapshotRepository(IDbContextFactory<PortalDbContext> contexts, ISnapshotEngine engine, ILogger<SnapshotRepository> logger) : ISnapshotRepository
{
    public async Task<Snapshot?> FindAsync(string projectId, string snapshotId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Snapshots.AsNoTracking().FirstOrDefaultAsync(s => s.Id == snapshotId && s.ProjectId == projectId, cancellationToken);
    }

    public async Task<IReadOnlyList<Snapshot>> ListAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Snapshots.AsNoTracking()
            .Where(s => s.EnvironmentId == environmentId && s.Status != SnapshotStatus.Deleted)
            .OrderByDescending(s => s.CreatedAt).ToListAsync(cancellationToken);
    }

    public async Task<bool> SetPinAsync(string snapshotId, SnapshotPin? pin, Activity record, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Conditional on the state the caller saw, so a sweep that started deleting it, or another admin's pin, wins cleanly.
        var pinning = pin is not null;
        var (at, by, reason) = (pin?.At, pin?.By, pin?.Reason);
        var changed = await db.Snapshots
            .Where(s => s.Id == snapshotId && s.Status == SnapshotStatus.Created && (pinning ? s.PinnedAt == null : s.PinnedAt != null))
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.PinnedAt, at)
                .SetProperty(s => s.PinnedBy, by)
                .SetProperty(s => s.PinReason, reason), cancellationToken);
        if (changed == 0)
        {
            return false;
        }

        db.Activities.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await RecordPinInStoreAsync(snapshotId, pin);
        return true;
    }

    /// <summary>
    /// The store keeps the pin beside the manifest, for a Portal rebuilt from the store alone. Portal's database decides; a store
    /// that cannot be written now is said in the log, and a pin that stays behind after an unpin keeps data, never loses it.
    /// </summary>
    private async Task RecordPinInStoreAsync(string snapshotId, SnapshotPin? pin)
    {
        try
        {
            await engine.SetPinAsync(snapshotId, pin is null ? null : new StoredPin(pin.At, pin.By, pin.Reason), CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or SnapshotEngineException or UnauthorizedAccessException)
        {
            logger.LogWarning(ex, "Snapshot {Snapshot} was {Change} in Portal's database, but the snapshot store could not record it: a Portal rebuilt "
                + "from the store alone would not know it", snapshotId, pin is null ? "unpinned" : "pinned");
        }
    }

    public async Task<RestoreThroughput?> RecentRestoreThroughputAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var runs = await db.Activities.AsNoTracking()
            .Where(a => a.ProjectId == projectId && a.Type == ActivityTypes.Restore && a.Result == ActivityResult.Success)
            .OrderByDescending(a => a.Sequence)
            .Take(10)
            .Join(db.Snapshots, a => a.SnapshotId, s => s.Id, (a, s) => new { a.StartedAt, a.CompletedAt, Bytes = s.SizeOfDatabases + s.SizeOfVolumes })
            .ToListAsync(cancellationToken);
        var rates = runs
            .Where(r => r.StartedAt is not null && r.CompletedAt > r.StartedAt && r.Bytes > 0)
            .Select(r => r.Bytes / (r.CompletedAt!.Value - r.StartedAt!.Value).TotalSeconds)
            .Order()
            .ToList();
        return rates.Count == 0 ? null : new RestoreThroughput(rates[rates.Count / 2], rates.Count);
    }

    public Task<IReadOnlyDictionary<Guid, DateTimeOffset>> LastSnapshotTimesAsync(string projectId, CancellationToken cancellationToken) =>
        LastSnapshotTimesAsync([projectId], cancellationToken);

    public async Task<IReadOnlyDictionary<Guid, DateTimeOffset>> LastSnapshotTimesAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Snapshots.AsNoTracking()
            .Where(s => projectIds.Contains(s.ProjectId) && s.Status == SnapshotStatus.Created)
            .GroupBy(s => s.EnvironmentId)
            .Select(g => new { EnvironmentId = g.Key, Last = g.Max(s => s.CreatedAt) })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.EnvironmentId, r => r.Last);
    }
}
