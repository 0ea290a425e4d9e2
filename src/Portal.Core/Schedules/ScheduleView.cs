namespace Portal.Core.Schedules;

using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>An environment's schedule as the editor and the API show it: its next runs in the project's time zone, and whether the asker may change it.</summary>
public sealed record ScheduleView(
    ProjectEnvironment Environment,
    TimeZoneInfo TimeZone,
    SnapshotSchedule? Schedule,
    IReadOnlyList<DateTimeOffset> NextRuns,
    Refusal? CannotEdit);
