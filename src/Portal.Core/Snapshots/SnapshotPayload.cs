namespace Portal.Core.Snapshots;

using System.Text.Json;
using System.Text.Json.Serialization;

/// <summary>The parameters a snapshot, restore or delete activity carries to the worker.</summary>
public sealed record SnapshotPayload
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public bool Live { get; init; }
    public bool TakeSafetySnapshot { get; init; }
    public string? SafetySnapshotId { get; init; }
    public Guid? TargetEnvironmentId { get; init; }
    public string? TargetEnvironmentName { get; init; }

    /// <summary>On a delete: the retention policy lets the snapshot go, so it ends Expired (listed, not restorable) rather than Deleted.</summary>
    public bool Expire { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SnapshotPayload Parse(string? json) =>
        string.IsNullOrEmpty(json) ? new SnapshotPayload() : JsonSerializer.Deserialize<SnapshotPayload>(json, Json) ?? new SnapshotPayload();
}
