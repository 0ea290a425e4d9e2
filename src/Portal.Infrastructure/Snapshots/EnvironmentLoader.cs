namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Environments;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;

/// <summary>Loads an environment with its services for an executor, as it is now (not as it was when the activity was queued).</summary>
internal sealed class EnvironmentLoader(IDbContextFactory<PortalDbContext> contexts)
{
    public async Task<ProjectEnvironment> LoadAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Environments.AsNoTracking().Include(e => e.Services)
            .FirstOrDefaultAsync(e => e.Id == environmentId, cancellationToken)
            ?? throw new ActivityFailedException("The environment no longer exists.");
    }
}
