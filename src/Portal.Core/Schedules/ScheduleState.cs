namespace Portal.Core.Schedules;

/// <summary>
/// An environment's schedule as the project overview shows it: when it runs next, and the run it is behind on, if any —
/// a run that came and went more than <see cref="Grace"/> ago without a restorable snapshot since.
/// </summary>
public sealed record ScheduleState(string Cron, bool Live, DateTimeOffset? NextRunAt, DateTimeOffset? MissedRunAt)
{
    /// <summary>How long a run may take to be queued, wait its turn and finish before the environment counts as behind.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    public bool Behind => MissedRunAt is not null;

    public static ScheduleState? Of(SnapshotSchedule? schedule, TimeZoneInfo zone, DateTimeOffset? lastSnapshotAt, DateTimeOffset now)
    {
        if (schedule is null || ScheduleRules.Parse(schedule.Cron).Cron is not { } cron)
        {
            return null;
        }

        var next = ScheduleRules.NextRuns(cron, zone, now, 1);
        // Only runs since the schedule was set count: a new schedule promises nothing about the past.
        var (_, promised) = ScheduleRules.Due(cron, zone, schedule.UpdatedAt, now - Grace);
        var missed = promised is { } due && (lastSnapshotAt is null || lastSnapshotAt < due) ? promised : null;
        return new ScheduleState(schedule.Cron, schedule.Live, next.Count > 0 ? next[0] : null, missed);
    }
}
