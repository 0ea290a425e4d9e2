namespace Portal.Contracts;

/// <summary>
/// An environment's snapshot schedule: <c>cron</c> is null when it has none. <c>next_runs</c> are its next five runs (UTC), read
/// in the project's <c>time_zone</c>; a declared schedule comes from Portal's configuration and is changed there.
/// </summary>
public sealed record ScheduleDto(
    string Environment, string? Cron, bool Live, string TimeZone, bool Declared, IReadOnlyList<DateTimeOffset> NextRuns,
    DateTimeOffset? LastRunAt, bool CanEdit, string? CannotEdit);

public sealed record SetScheduleRequest
{
    /// <summary>Five cron fields (minute hour day-of-month month day-of-week) in the project's time zone, at most hourly.</summary>
    public string? Cron { get; init; }

    /// <summary>Live snapshots (no pause) rather than safe ones.</summary>
    public bool Live { get; init; }
}
