namespace Portal.Web.Api;

using Portal.Contracts;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

/// <summary>Maps the application layer's views to the wire types of Portal.Contracts.</summary>
internal static class ApiMapping
{
    public static EnvironmentDto ToDto(EnvironmentView view) => new(
        view.Environment.Name, view.Environment.Title, view.Environment.ParentName,
        view.Environment.Type.ToApiName(), view.Environment.Plan.ToString().ToLowerInvariant(), view.Environment.Status.ToApiName(),
        view.Environment.StatusReason,
        view.CanSnapshot, view.CannotSnapshot?.Message, view.LastSnapshotAt,
        [.. view.Environment.Services.Select(s => new ServiceDto(s.Name, s.Kind.ToString().ToLowerInvariant()))],
        view.ServiceProblems);

    public static SnapshotDto ToDto(SnapshotView view) => new(
        view.Snapshot.Id, view.Snapshot.EnvironmentName, view.Snapshot.Status.ToString().ToLowerInvariant(), view.Snapshot.Safe,
        view.Restorable, view.NotRestorable?.Message, view.Snapshot.CreatedAt, view.Snapshot.ExpiresAt,
        view.Snapshot.SizeOfVolumes, view.Snapshot.SizeOfDatabases, view.Snapshot.SizeStored,
        view.Snapshot.CommitId, view.Snapshot.CreatedBy, view.Snapshot.IsSafetySnapshot, view.Snapshot.Automated,
        view.Snapshot.PinnedAt, view.Snapshot.PinnedBy, view.Snapshot.PinReason)
    {
        VerifiedAt = view.Snapshot.VerifiedAt,
        VerifyFailure = view.Snapshot.VerifyFailure,
    };

    /// <summary>The wire form of an activity as of <paramref name="now"/>, which a running one's duration counts up to.</summary>
    public static ActivityDto ToDto(Activity a, DateTimeOffset now, bool withLog = false)
    {
        var report = ActivityReport.Of(a);
        return new(
            a.Id, a.Type, a.EnvironmentName, ToApi(a.State), a.Result?.ToString().ToLowerInvariant(), a.CompletionPercent,
            a.CreatedAt, a.StartedAt, a.CompletedAt, a.Text, a.InitiatedBy, a.SnapshotId, a.Reason, a.Warnings, withLog ? a.Log : null,
            report?.ReportedBy, report?.ReportedVia)
        {
            Duration = Duration(a, now),
            SafetySnapshotId = a.Type == ActivityTypes.Restore ? SnapshotPayload.Parse(a.Payload).SafetySnapshotId : null,
        };
    }

    /// <summary>Seconds from start to completion, or to now while it runs; none before it starts (or if it never did).</summary>
    private static double? Duration(Activity a, DateTimeOffset now) => a.StartedAt is { } started
        ? Math.Round(Math.Max(0, ((a.CompletedAt ?? now) - started).TotalSeconds), 3)
        : null;

    public static string ToApi(ActivityState state) => state switch
    {
        ActivityState.Pending => ActivityStates.Pending,
        ActivityState.InProgress => ActivityStates.InProgress,
        ActivityState.Complete => ActivityStates.Complete,
        ActivityState.Cancelled => ActivityStates.Cancelled,
        _ => state.ToString().ToLowerInvariant(),
    };
}
