namespace Portal.Core.Snapshots;

using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>A snapshot as users see it: whether it is restorable at all, whether this user may restore it now, and whether they may pin it.</summary>
public sealed record SnapshotView(Snapshot Snapshot, Refusal? NotRestorable, Refusal? CannotRestore, Refusal? CannotPin)
{
    public bool Restorable => NotRestorable is null;
    public bool CanRestore => CannotRestore is null;

    /// <summary>This user may pin or unpin it: an admin, on a complete snapshot.</summary>
    public bool CanPin => CannotPin is null && Snapshot.Status == SnapshotStatus.Created;
    /// <summary>Why this user may not start a verify of it now (the Admin role, a snapshot with no stored data); null when they may.</summary>
    public Refusal? CannotVerify { get; init; }

    public bool CanVerify => CannotVerify is null;
    public long TotalSize => Snapshot.SizeOfDatabases + Snapshot.SizeOfVolumes;
}

/// <summary>What the restore dialog shows before the user confirms; <paramref name="CreatedByName"/> is the maker's display name, else their user id.</summary>
public sealed record RestoreReview(
    SnapshotView Snapshot,
    ProjectEnvironment Target,
    IReadOnlyList<EnvironmentService> Replaced,
    bool SafetySnapshotByDefault,
    RestoreEstimate Estimate,
    string CreatedByName);

/// <summary>How long a restore should take: from this Portal's own recent restores, else the seed's published rates.</summary>
public sealed record RestoreEstimate(TimeSpan Duration, int FromRestores)
{
    /// <summary>The seed's table: 60 GB ≈ 1 h and 150 GB ≈ 2.5 h (≈17 MB/s); 200 GB and more ≈ 5 h.</summary>
    private const double SeedBytesPerSecond = 17_000_000;
    private const double SeedLargeBytesPerSecond = 11_100_000;
    private const long SeedLargeBytes = 200_000_000_000;

    public bool FromHistory => FromRestores > 0;

    public static RestoreEstimate For(long bytes, RestoreThroughput? history)
    {
        if (history is { BytesPerSecond: > 0 } known)
        {
            return new RestoreEstimate(TimeSpan.FromSeconds(bytes / known.BytesPerSecond), known.Restores);
        }

        var rate = bytes >= SeedLargeBytes ? SeedLargeBytesPerSecond : SeedBytesPerSecond;
        return new RestoreEstimate(TimeSpan.FromSeconds(bytes / rate), 0);
    }
}

/// <summary>The median rate of recent successful restores (bytes of snapshot per second of activity).</summary>
public sealed record RestoreThroughput(double BytesPerSecond, int Restores);

public sealed record RestoreOptions
{
    /// <summary>Null uses the configured default (on).</summary>
    public bool? TakeSafetySnapshot { get; init; }

    /// <summary>Restore into another environment of the project (Platform.sh <c>--target</c>); null for the snapshot's own.</summary>
    public string? TargetEnvironment { get; init; }
}

/// <summary>Who pinned a snapshot, when and why.</summary>
public sealed record SnapshotPin(DateTimeOffset At, string By, string Reason);
