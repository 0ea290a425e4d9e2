namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Alerts;

internal sealed class AlertRepository(IDbContextFactory<PortalDbContext> contexts) : IAlertRepository, IAlertDeliveryRepository
{
    public async Task<IReadOnlyList<Alert>> ListOpenAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Ordered in memory: SQLite cannot order by DateTimeOffset, and an environment's open alerts are few.
        return [.. (await db.Alerts.AsNoTracking().Where(a => a.EnvironmentId == environmentId && a.ClosedAt == null).ToListAsync(cancellationToken))
            .OrderByDescending(a => a.RaisedAt)];
    }

    public async Task<IReadOnlyDictionary<Guid, int>> CountOpenAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.Where(a => projectIds.Contains(a.ProjectId) && a.ClosedAt == null)
            .GroupBy(a => a.EnvironmentId)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
    }

    public async Task<bool> CloseAsync(Guid environmentId, Guid alertId, string because, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.Where(a => a.Id == alertId && a.EnvironmentId == environmentId && a.ClosedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.ClosedAt, at).SetProperty(a => a.ClosedBecause, because), cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<AlertDelivery>> ListAsync(string projectId, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Ordered in memory: SQLite cannot order by DateTimeOffset, and a project's deliveries are few.
        return [.. (await db.AlertDeliveries.AsNoTracking().Where(d => d.ProjectId == projectId).ToListAsync(cancellationToken))
            .OrderByDescending(d => d.CreatedAt).Take(limit)];
    }
}
