namespace Portal.Web.Api;

using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

// Field names follow the Platform.sh API (snake_case on the wire) so scripts written for it read naturally.

public sealed record EnvironmentDto(
    string Name, string Title, string? Parent, string Type, string Plan, string Status, string? StatusReason,
    bool CanSnapshot, string? CannotSnapshotReason, DateTimeOffset? LastSnapshotAt, IReadOnlyList<ServiceDto> Services,
    IReadOnlyList<string> ServiceProblems)
{
    public static EnvironmentDto From(EnvironmentView view) => new(
        view.Environment.Name, view.Environment.Title, view.Environment.ParentName,
        view.Environment.Type.ToApiName(), view.Environment.Plan.ToString().ToLowerInvariant(), view.Environment.Status.ToApiName(),
        view.Environment.StatusReason,
        view.CanSnapshot, view.CannotSnapshot?.Message, view.LastSnapshotAt,
        [.. view.Environment.Services.Select(s => new ServiceDto(s.Name, s.Kind.ToString().ToLowerInvariant()))],
        view.ServiceProblems);
}

public sealed record ServiceDto(string Name, string Kind);

public sealed record SnapshotDto(
    string Id, string Environment, string Status, bool Safe, bool Restorable, string? NotRestorableReason,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, long SizeOfVolumes, long SizeOfDatabases, long SizeStored,
    string? CommitId, string CreatedBy, bool SafetySnapshot)
{
    public static SnapshotDto From(SnapshotView view) => new(
        view.Snapshot.Id, view.Snapshot.EnvironmentName, view.Snapshot.Status.ToString().ToLowerInvariant(), view.Snapshot.Safe,
        view.Restorable, view.NotRestorable?.Message, view.Snapshot.CreatedAt, view.Snapshot.ExpiresAt,
        view.Snapshot.SizeOfVolumes, view.Snapshot.SizeOfDatabases, view.Snapshot.SizeStored,
        view.Snapshot.CommitId, view.Snapshot.CreatedBy, view.Snapshot.IsSafetySnapshot);
}

/// <summary>
/// An activity. <c>reported_via</c> ("api") and <c>reported_by</c> (the reporter's name) are set only on outside activities
/// someone reported: their <c>text</c> is that person's word, not Portal's.
/// </summary>
public sealed record ActivityDto(
    string Id, string Type, string Environment, string State, string? Result, int CompletionPercent,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    string Text, string InitiatedBy, string? SnapshotId, string? Reason, int Warnings, string? Log,
    string? ReportedBy, string? ReportedVia)
{
    public static ActivityDto From(Activity a, bool withLog = false)
    {
        var report = ActivityReport.Of(a);
        return new(
            a.Id, a.Type, a.EnvironmentName, ToApi(a.State), a.Result?.ToString().ToLowerInvariant(), a.CompletionPercent,
            a.CreatedAt, a.StartedAt, a.CompletedAt, a.Text, a.InitiatedBy, a.SnapshotId, a.Reason, a.Warnings, withLog ? a.Log : null,
            report?.ReportedBy, report?.ReportedVia);
    }

    public static string ToApi(ActivityState state) => state switch
    {
        ActivityState.InProgress => "in_progress",
        _ => state.ToString().ToLowerInvariant(),
    };
}

public sealed record ActivityPageDto(IReadOnlyList<ActivityDto> Items, string? Next);

// Request bodies are read by JsonBody<T>: an empty body is the defaults below, an unknown field is refused (a misspelt
// "target" must not restore over the wrong environment), and required values are checked by the application layer.

public sealed record CreateSnapshotRequest
{
    public bool Live { get; init; }
}

public sealed record RestoreSnapshotRequest
{
    public bool? SafetySnapshot { get; init; }
    public string? Target { get; init; }
}

public sealed record ReportActivityRequest
{
    public string? Type { get; init; }
    public string? Text { get; init; }
}
