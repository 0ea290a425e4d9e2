namespace Portal.Core.Activities;

using System.Text.Json;
using System.Text.Json.Serialization;

/// <summary>
/// Who told Portal about an outside activity (a push, a cron run…) and through what, kept in the activity's payload: the
/// text of a reported entry is the reporter's, so the feed shows whose word it is next to it.
/// </summary>
public sealed record ActivityReport
{
    /// <summary>The only way in today: <c>POST …/activities</c> of the REST API (the CLI uses it too).</summary>
    public const string ViaApi = "api";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The reporter's name when they reported it (their user id is the activity's <see cref="Activity.InitiatedBy"/>).</summary>
    public required string ReportedBy { get; init; }

    public required string ReportedVia { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The report behind an activity; null for Portal's own activities and for history Portal recorded itself.</summary>
    public static ActivityReport? Of(Activity activity)
    {
        if (string.IsNullOrEmpty(activity.Payload) || !ActivityTypes.IsReportable(activity.Type))
        {
            return null;
        }

        try
        {
            var report = JsonSerializer.Deserialize<ActivityReport>(activity.Payload, Json);
            return report is { ReportedBy.Length: > 0, ReportedVia.Length: > 0 } ? report : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
