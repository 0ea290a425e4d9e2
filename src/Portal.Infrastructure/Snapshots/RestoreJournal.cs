namespace Portal.Infrastructure.Snapshots;

/// <summary>Where an unfinished restore stood when it was last written down.</summary>
public enum RestorePhase
{
    /// <summary>Verifying, taking the safety snapshot, staging: nothing of the environment was replaced yet.</summary>
    Preparing,

    /// <summary>Services are being replaced by the snapshot's data; the environment may be mixed until every one is.</summary>
    Committing,

    /// <summary>The restore could not be finished, so the safety snapshot is being put back instead.</summary>
    RollingBack,
}

/// <summary>
/// The durable record of one restore activity, written before its first destructive step and after each service it
/// replaces, so the next start (or another node) can finish an interrupted restore instead of leaving it mixed.
/// The row exists only while the restore is unfinished.
/// </summary>
public sealed class RestoreJournal
{
    public required string ActivityId { get; init; }
    public Guid EnvironmentId { get; init; }

    /// <summary>What is being restored: the requested snapshot, or the safety snapshot while rolling back.</summary>
    public required string SnapshotId { get; set; }
    public string? SafetySnapshotId { get; set; }
    public RestorePhase Phase { get; set; }

    /// <summary>The services about to be replaced, written once every one of them is prepared and verified.</summary>
    public List<string> Services { get; set; } = [];

    /// <summary>The services that already hold <see cref="SnapshotId"/>'s data; a resumed restore leaves them alone.</summary>
    public List<string> Committed { get; set; } = [];

    /// <summary>How many times a run of this restore started; a restore that keeps failing is rolled back, not retried forever.</summary>
    public int Attempts { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
