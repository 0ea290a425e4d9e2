namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Common;

internal sealed class ActivityRepository(IDbContextFactory<PortalDbContext> contexts) : IActivityRepository
{
    public async Task<ActivityPage> ListAsync(ActivityQuery query, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var activities = db.Activities.AsNoTracking();
        if (query.EnvironmentName is null)
        {
            activities = activities.Where(a => a.ProjectId == query.ProjectId);
        }
        else
        {
            // The environment id comes from a subquery, so a feed page is one round trip (see docs/benchmarks.md).
            var environmentId = EnvironmentId(db, query.ProjectId, query.EnvironmentName);
            activities = activities.Where(a => a.EnvironmentId == environmentId.FirstOrDefault());
        }

        if (query.Types.Count == 1)
        {
            // A single type is the common filter; an equality lets the (environment, type, created_at) index seek.
            var type = query.Types.First();
            activities = activities.Where(a => a.Type == type);
        }
        else if (query.Types.Count > 1)
        {
            activities = activities.Where(a => query.Types.Contains(a.Type));
        }

        if (query.States.Count > 0)
        {
            activities = activities.Where(a => query.States.Contains(a.State));
        }

        if (query.Results.Count > 0)
        {
            activities = activities.Where(a => a.Result != null && query.Results.Contains(a.Result.Value));
        }

        if (query.After is { } after)
        {
            activities = activities.Where(a => a.CreatedAt < after.CreatedAt
                || (a.CreatedAt == after.CreatedAt && a.Sequence < after.Sequence));
        }

        var items = await activities
            .OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Sequence)
            .Take(query.PageSize + 1)
            .ToListAsync(cancellationToken);
        if (items.Count <= query.PageSize)
        {
            return new ActivityPage(items, null);
        }

        items.RemoveAt(items.Count - 1);
        return new ActivityPage(items, ActivityCursor.Of(items[^1]));
    }

    public async Task<Activity?> FindAsync(string projectId, string activityId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Activities.AsNoTracking().FirstOrDefaultAsync(a => a.Id == activityId && a.ProjectId == projectId, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListTypesAsync(string projectId, string? environmentName, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var activities = db.Activities.AsNoTracking().Where(a => a.ProjectId == projectId);
        if (environmentName is not null)
        {
            var environmentId = EnvironmentId(db, projectId, environmentName);
            activities = activities.Where(a => a.EnvironmentId == environmentId.FirstOrDefault());
        }

        return await activities.Select(a => a.Type).Distinct().OrderBy(t => t).ToListAsync(cancellationToken);
    }

    public async Task AddCompletedAsync(Activity activity, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Activities.Add(activity);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<Guid, LastActivity>> LastActivitiesAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);

        // Each environment's first feed entry is a LIMIT 1 seek on the feed index; the rows then come by key, all in one query.
        var newest = db.Environments.Where(e => projectIds.Contains(e.ProjectId))
            .Select(e => db.Activities.Where(a => a.EnvironmentId == e.Id)
                .OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Sequence)
                .Select(a => (long?)a.Sequence).FirstOrDefault());
        var rows = await db.Activities.AsNoTracking()
            .Where(a => newest.Contains(a.Sequence))
            .Select(a => new LastActivity(a.EnvironmentId, a.Id, a.Type, a.State, a.Result, a.CompletionPercent, a.CreatedAt, a.CompletedAt, a.Text))
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.EnvironmentId);
    }

    // Filtering by id, not name, keeps every feed query on the environment-first indexes.
    private static IQueryable<Guid> EnvironmentId(PortalDbContext db, string projectId, string environmentName) =>
        db.Environments.Where(e => e.ProjectId == projectId && e.Name == environmentName).Select(e => e.Id);
}
