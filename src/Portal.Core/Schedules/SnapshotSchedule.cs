namespace Portal.Core.Schedules;

/// <summary>When Portal snapshots an environment by itself: a cron expression read in the project's time zone.</summary>
public sealed class SnapshotSchedule
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public required string ProjectId { get; init; }

    /// <summary>One schedule per environment: a cron expression can already name several times a day or week.</summary>
    public Guid EnvironmentId { get; init; }

    /// <summary>Five fields (minute hour day-of-month month day-of-week), e.g. <c>0 2 * * *</c>.</summary>
    public required string Cron { get; set; }

    /// <summary>Live snapshots (no downtime) rather than safe ones.</summary>
    public bool Live { get; set; }

    /// <summary>Declared in configuration: changed there, not in the pane or the API.</summary>
    public bool Declared { get; set; }

    public required string UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The scheduled instant of the newest run Portal queued (or found it could not); runs after it are due. Null until the first.</summary>
    public DateTimeOffset? LastRunAt { get; set; }

    /// <summary>Runs are due after this instant: the last one, or when the schedule was set.</summary>
    public DateTimeOffset DueAfter => LastRunAt ?? UpdatedAt;
}
