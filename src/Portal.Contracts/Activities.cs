namespace Portal.Contracts;

/// <summary>
/// An activity. <c>reported_via</c> ("api") and <c>reported_by</c> (the reporter's name) are set only on outside activities
/// someone reported: their <c>text</c> is that person's word, not Portal's. <c>duration</c> is in seconds, from start to
/// completion (so far, while it runs); <c>safety_snapshot_id</c> is the snapshot a restore takes of what it replaces.
/// </summary>
public sealed record ActivityDto(
    string Id, string Type, string Environment, string State, string? Result, int CompletionPercent,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    string Text, string InitiatedBy, string? SnapshotId, string? Reason, int Warnings, string? Log,
    string? ReportedBy, string? ReportedVia)
{
    public double? Duration { get; init; }
    public string? SafetySnapshotId { get; init; }
}

public sealed record ActivityPageDto(IReadOnlyList<ActivityDto> Items, string? Next);

public sealed record ReportActivityRequest
{
    public string? Type { get; init; }
    public string? Text { get; init; }
}

/// <summary>The wire names of an activity's state, shared so the CLI reads exactly what the API writes.</summary>
public static class ActivityStates
{
    public const string Pending = "pending";
    public const string InProgress = "in_progress";
    public const string Complete = "complete";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// The server-sent events of <c>GET /api/projects/{project}/activities/{id}/events</c>: every log line so far, then progress
/// and new lines as they happen, and last one <see cref="Result"/> event whose data is the finished <see cref="ActivityDto"/>.
/// </summary>
public static class ActivityEventNames
{
    public const string Progress = "progress";
    public const string Log = "log";
    public const string Result = "result";
}

public sealed record ActivityProgressEvent(string State, int CompletionPercent);

public sealed record ActivityLogEvent(string Line);
