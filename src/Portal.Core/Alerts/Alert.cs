namespace Portal.Core.Alerts;

public enum AlertKind
{
    /// <summary>An activity ended in failure.</summary>
    ActivityFailed,

    /// <summary>An activity was cancelled before it ended.</summary>
    ActivityCancelled,

    /// <summary>A scheduled snapshot came and went (<see cref="Schedules.ScheduleState.Grace"/>) without a restorable snapshot since.</summary>
    ScheduleMissed,

    /// <summary>An activity has been running more than twice as long as the environment's recent ones of its type.</summary>
    ActivityOverrun,
}

/// <summary>
/// Something on an environment that its people should know about, shown as a banner on the environment until it is closed —
/// by an admin, or by Portal when what it warned about is over (a later run of the same kind succeeded, the overrun ended,
/// a snapshot was taken) — and sent once to the project's webhooks and e-mail recipients.
/// </summary>
public sealed class Alert
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public required string ProjectId { get; init; }
    public Guid EnvironmentId { get; init; }
    public required string EnvironmentName { get; init; }
    public AlertKind Kind { get; init; }

    /// <summary>What makes the alert one of a kind (an activity, a missed run's instant): the same thing is never raised twice, on any node.</summary>
    public required string Key { get; init; }

    /// <summary>The activity it is about; null for a missed schedule.</summary>
    public string? ActivityId { get; init; }

    /// <summary>The banner's words: "The snapshot of master failed: the mount 'media' is missing."</summary>
    public required string Message { get; init; }
    public DateTimeOffset RaisedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Who or what closed it, in words: "dismissed by Dana", "a later snapshot succeeded".</summary>
    public string? ClosedBecause { get; set; }

    public bool IsOpen => ClosedAt is null;

    /// <summary>The event name receivers see: <c>activity.failed</c>, <c>activity.cancelled</c>, <c>schedule.missed</c>, <c>activity.overrun</c>.</summary>
    public string Event => EventOf(Kind);

    public static string EventOf(AlertKind kind) => kind switch
    {
        AlertKind.ActivityFailed => "activity.failed",
        AlertKind.ActivityCancelled => "activity.cancelled",
        AlertKind.ScheduleMissed => "schedule.missed",
        AlertKind.ActivityOverrun => "activity.overrun",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
