namespace Portal.Engine;

/// <summary>
/// Who and what a snapshot belongs to in words that outlive Portal's metadata database: the declared project id and
/// environment name, not the environment's database key. Written in the manifest header, so a new Portal pointed at the
/// same store and declarations finds its snapshots again. The caller fills what it knows before the capture; the engine
/// adds <see cref="CompletedAt"/> and the sizes when it writes the manifest.
/// </summary>
/// <param name="CreatedBy">The user id, as the metadata database records it.</param>
/// <param name="Safe">False for a live snapshot.</param>
/// <param name="IsSafetySnapshot">Taken by a restore of the state it replaced.</param>
/// <param name="ActivityId">The activity that took it, in the database that recorded it.</param>
public sealed record SnapshotLabel(
    string ProjectId,
    string EnvironmentName,
    string CreatedBy,
    bool Safe,
    bool IsSafetySnapshot,
    string? ActivityId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>When the manifest was written (the engine's clock); null until then.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    public long SizeOfVolumes { get; init; }

    public long SizeOfDatabases { get; init; }

    /// <summary>What this capture added to the store (compressed bytes of the objects it wrote).</summary>
    public long SizeStored { get; init; }

    /// <summary>Taken by a schedule rather than by a person.</summary>
    public bool Automated { get; init; }
}

/// <summary>
/// A manifest in the store, from its header alone: CreatedAt is the engine's capture start, Label null for a manifest
/// written before labels existed. Problem says why a manifest could not be read (damaged, foreign); the others are then null.
/// </summary>
public sealed record StoredSnapshot(string SnapshotId, DateTimeOffset? CreatedAt, SnapshotLabel? Label, string? Problem = null);
