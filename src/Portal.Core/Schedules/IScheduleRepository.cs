namespace Portal.Core.Schedules;

public interface IScheduleRepository
{
    Task<SnapshotSchedule?> FindAsync(Guid environmentId, CancellationToken cancellationToken);

    /// <summary>The schedules of these projects' environments, by environment, in one read (the project overview).</summary>
    Task<IReadOnlyDictionary<Guid, SnapshotSchedule>> ListAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken);

    /// <summary>Adds the schedule or replaces the environment's one.</summary>
    Task SaveAsync(SnapshotSchedule schedule, CancellationToken cancellationToken);

    /// <summary>Removes the environment's schedule; nothing when it has none.</summary>
    Task DeleteAsync(Guid environmentId, CancellationToken cancellationToken);
}
