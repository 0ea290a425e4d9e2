namespace Portal.Core.Snapshots;

public enum SnapshotStatus
{
    Creating,
    Created,
    Failed,
    Deleting,
    Deleted,

    /// <summary>Past its restore window; its data was removed from the store.</summary>
    Expired,
}

/// <summary>A point-in-time copy of an environment's persistent data (Platform.sh "backup").</summary>
public sealed class Snapshot
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public Guid EnvironmentId { get; init; }
    public required string EnvironmentName { get; init; }
    public SnapshotStatus Status { get; set; } = SnapshotStatus.Creating;

    /// <summary>False for a live snapshot: services were captured while the environment kept running.</summary>
    public bool Safe { get; init; } = true;

    /// <summary>True for the snapshot a restore takes of the state it is about to replace.</summary>
    public bool IsSafetySnapshot { get; init; }

    /// <summary>True for a snapshot a schedule took (Portal itself, not a person): retention keeps these by their own buckets.</summary>
    public bool Automated { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public long SizeOfVolumes { get; set; }
    public long SizeOfDatabases { get; set; }
    public long SizeStored { get; set; }
    public string? CommitId { get; set; }
    public required string CreatedBy { get; init; }
    public required string ActivityId { get; init; }
    public string? FailureReason { get; set; }

    /// <summary>Set while an admin keeps the snapshot out of rotation and expiry; it stays restorable meanwhile.</summary>
    public DateTimeOffset? PinnedAt { get; set; }

    /// <summary>The user id of the admin who pinned it.</summary>
    public string? PinnedBy { get; set; }
    public string? PinReason { get; set; }

    public bool IsPinned => PinnedAt is not null;
    /// <summary>When a verify activity last re-read every object of the snapshot (whether it passed or not).</summary>
    public DateTimeOffset? VerifiedAt { get; set; }

    /// <summary>Why the last verify found the snapshot damaged (an object missing or not matching its hash); null when it passed or never ran.</summary>
    public string? VerifyFailure { get; set; }
}
