namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Alerts;

internal sealed class WebhookDeliveryRepository(IDbContextFactory<PortalDbContext> contexts) : IWebhookDeliveryRepository
{
    public async Task<IReadOnlyList<WebhookDelivery>> ListAsync(string projectId, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Ordered in memory: SQLite cannot order by DateTimeOffset, and a project's deliveries are few.
        return [.. (await db.WebhookDeliveries.AsNoTracking().Where(d => d.ProjectId == projectId).ToListAsync(cancellationToken))
            .OrderByDescending(d => d.CreatedAt).Take(limit)];
    }
}
