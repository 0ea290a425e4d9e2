namespace Portal.Core.Common;

using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Projects;
using Portal.Core.Snapshots;

/// <summary>Projects, environments (with their services) and roles, as the application layer reads them.</summary>
public interface IProjectRepository
{
    Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken);

    Task<Project?> FindProjectAsync(string projectId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ProjectEnvironment>> ListEnvironmentsAsync(string projectId, CancellationToken cancellationToken);

    Task<ProjectEnvironment?> FindEnvironmentAsync(string projectId, string environmentName, CancellationToken cancellationToken);

    Task<EffectiveRoles> GetRolesAsync(string userId, string projectId, CancellationToken cancellationToken);

    /// <summary>The user's roles on every project where they have any, in one read (the projects page, the switcher).</summary>
    Task<IReadOnlyDictionary<string, EffectiveRoles>> GetRolesByProjectAsync(string userId, CancellationToken cancellationToken);

    /// <summary>The environments of these projects, without their services (the overviews do not show them).</summary>
    Task<IReadOnlyList<ProjectEnvironment>> ListEnvironmentsWithoutServicesAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken);
}

public interface ISnapshotRepository
{
    Task<Snapshot?> FindAsync(string projectId, string snapshotId, CancellationToken cancellationToken);

    /// <summary>Newest first, deleted ones left out.</summary>
    Task<IReadOnlyList<Snapshot>> ListAsync(Guid environmentId, CancellationToken cancellationToken);

    /// <summary>
    /// Pins (or, with a null <paramref name="pin"/>, unpins) a created snapshot and adds the feed's record of it, in one transaction;
    /// false, changing nothing, when the snapshot is no longer created or was pinned or unpinned meanwhile.
    /// </summary>
    Task<bool> SetPinAsync(string snapshotId, SnapshotPin? pin, Activity record, CancellationToken cancellationToken);

    /// <summary>The median throughput of the project's recent successful restores; null before the first one.</summary>
    Task<RestoreThroughput?> RecentRestoreThroughputAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>For each environment, when its newest created snapshot was taken.</summary>
    Task<IReadOnlyDictionary<Guid, DateTimeOffset>> LastSnapshotTimesAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>The same for the environments of several projects, in one query.</summary>
    Task<IReadOnlyDictionary<Guid, DateTimeOffset>> LastSnapshotTimesAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken);
}

public interface IActivityRepository
{
    Task<ActivityPage> ListAsync(ActivityQuery query, CancellationToken cancellationToken);

    Task<Activity?> FindAsync(string projectId, string activityId, CancellationToken cancellationToken);

    /// <summary>Types present in an environment's feed, for the type filter.</summary>
    Task<IReadOnlyList<string>> ListTypesAsync(string projectId, string? environmentName, CancellationToken cancellationToken);

    /// <summary>Records an activity that happened elsewhere (push, cron…) as already complete.</summary>
    Task AddCompletedAsync(Activity activity, CancellationToken cancellationToken);

    /// <summary>Each environment's newest activity (the feed's first entry), for the environments of these projects, in one query.</summary>
    Task<IReadOnlyDictionary<Guid, LastActivity>> LastActivitiesAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken);
}

/// <summary>The durable queue: an activity is persisted pending before anything runs, then the worker is woken.</summary>
public interface IActivityQueue
{
    /// <summary>Persists the activity, and the snapshot it will create (status creating) in the same transaction.</summary>
    Task EnqueueAsync(Activity activity, Snapshot? creates, CancellationToken cancellationToken);
}
