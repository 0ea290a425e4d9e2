namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Snapshots;

internal sealed class SnapshotRepository(IDbContextFactory<PortalDbContext> contexts) : ISnapshotRepository
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

    public async Task<IReadOnlyDictionary<Guid, DateTimeOffset>> LastSnapshotTimesAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Snapshots.AsNoTracking()
            .Where(s => s.ProjectId == projectId && s.Status == SnapshotStatus.Created)
            .GroupBy(s => s.EnvironmentId)
            .Select(g => new { EnvironmentId = g.Key, Last = g.Max(s => s.CreatedAt) })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.EnvironmentId, r => r.Last);
    }
}
