namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Schedules;

internal sealed class ScheduleRepository(IDbContextFactory<PortalDbContext> contexts) : IScheduleRepository
{
    public async Task<SnapshotSchedule?> FindAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.EnvironmentId == environmentId, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<Guid, SnapshotSchedule>> ListAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Schedules.AsNoTracking().Where(s => projectIds.Contains(s.ProjectId)).ToDictionaryAsync(s => s.EnvironmentId, cancellationToken);
    }

    public async Task SaveAsync(SnapshotSchedule schedule, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Schedules.AnyAsync(s => s.Id == schedule.Id, cancellationToken))
        {
            db.Schedules.Update(schedule);
        }
        else
        {
            db.Schedules.Add(schedule);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task DeleteAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Schedules.Where(s => s.EnvironmentId == environmentId).ExecuteDeleteAsync(cancellationToken);
    }
}
