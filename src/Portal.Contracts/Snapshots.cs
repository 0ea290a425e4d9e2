namespace Portal.Contracts;

public sealed record SnapshotDto(
    string Id, string Environment, string Status, bool Safe, bool Restorable, string? NotRestorableReason,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, long SizeOfVolumes, long SizeOfDatabases, long SizeStored,
    string? CommitId, string CreatedBy, bool SafetySnapshot, bool Automated,
    DateTimeOffset? PinnedAt = null, string? PinnedBy = null, string? PinReason = null);

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
