namespace Portal.Core.Snapshots;

using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>A snapshot as users see it: whether it is restorable at all, and whether this user may restore it now.</summary>
public sealed record SnapshotView(Snapshot Snapshot, Refusal? NotRestorable, Refusal? CannotRestore)
{
    public bool Restorable => NotRestorable is null;
    public bool CanRestore => CannotRestore is null;
    public long TotalSize => Snapshot.SizeOfDatabases + Snapshot.SizeOfVolumes;
}

/// <summary>What the restore dialog shows before the user confirms.</summary>
public sealed record RestoreReview(
    SnapshotView Snapshot,
    ProjectEnvironment Target,
    IReadOnlyList<EnvironmentService> Replaced,
    bool SafetySnapshotByDefault);

public sealed record RestoreOptions
{
    /// <summary>Null uses the configured default (on).</summary>
    public bool? TakeSafetySnapshot { get; init; }

    /// <summary>Restore into another environment of the project (Platform.sh <c>--target</c>); null for the snapshot's own.</summary>
    public string? TargetEnvironment { get; init; }
}
