namespace Portal.Contracts;

/// <summary>
/// An activity. <c>reported_via</c> ("api") and <c>reported_by</c> (the reporter's name) are set only on outside activities
/// someone reported: their <c>text</c> is that person's word, not Portal's.
/// </summary>
public sealed record ActivityDto(
    string Id, string Type, string Environment, string State, string? Result, int CompletionPercent,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    string Text, string InitiatedBy, string? SnapshotId, string? Reason, int Warnings, string? Log,
    string? ReportedBy, string? ReportedVia);

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
