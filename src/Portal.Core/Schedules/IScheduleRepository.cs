namespace Portal.Core.Schedules;

public interface IScheduleRepository
{
    Task<SnapshotSchedule?> FindAsync(Guid environmentId, CancellationToken cancellationToken);

    /// <summary>Adds the schedule or replaces the environment's one.</summary>
    Task SaveAsync(SnapshotSchedule schedule, CancellationToken cancellationToken);

    /// <summary>Removes the environment's schedule; nothing when it has none.</summary>
    Task DeleteAsync(Guid environmentId, CancellationToken cancellationToken);
}
