namespace Portal.Contracts;

public sealed record SnapshotDto(
    string Id, string Environment, string Status, bool Safe, bool Restorable, string? NotRestorableReason,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, long SizeOfVolumes, long SizeOfDatabases, long SizeStored,
    string? CommitId, string CreatedBy, bool SafetySnapshot, bool Automated,
    DateTimeOffset? PinnedAt = null, string? PinnedBy = null, string? PinReason = null)
{
    /// <summary>When a verify last re-read every object of the snapshot; null if none has yet.</summary>
    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>What the last verify found damaged; the snapshot is then not restorable.</summary>
    public string? VerifyFailure { get; init; }
}

// Request bodies are read strictly: an empty body is the defaults below, an unknown field is refused (a misspelt
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

/// <summary>Why the snapshot is kept out of rotation and expiry: one line of 1 to 200 characters, shown in the list and the feed.</summary>
public sealed record PinSnapshotRequest
{
    public string? Reason { get; init; }
}
