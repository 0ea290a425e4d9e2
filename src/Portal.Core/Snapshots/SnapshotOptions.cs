namespace Portal.Core.Snapshots;

public sealed class SnapshotOptions
{
    public const string Section = "Snapshots";
    public const int MaxRetentionDays = 365;

    /// <summary>How long a snapshot can be restored (rule 4).</summary>
    public int RetentionDays { get; set; } = 7;

    /// <summary>Rule 5: a restore first takes a snapshot of the state it replaces, unless told not to.</summary>
    public bool SafetySnapshotByDefault { get; set; } = true;

    /// <summary>At start, after the declared projects are applied, adds the snapshots the store holds that the metadata database does not know (a new host).</summary>
    public bool ReindexOnStart { get; set; }

    /// <summary>What each environment type keeps (<c>Snapshots:Retention:{production|staging|development}</c>).</summary>
    public RetentionOptions Retention { get; set; } = new();

    /// <summary>The end of a new snapshot's restore window on an environment of this type.</summary>
    public DateTimeOffset ExpiresAt(Environments.EnvironmentType type, DateTimeOffset createdAt, bool automated) =>
        Retention.For(type).ExpiresAt(createdAt, automated, RetentionDays);
    /// <summary>
    /// Each environment's newest restorable snapshot is verified again (every object re-read, every hash checked) once it
    /// has gone this long without a verify; a new snapshot is verified at the next sweep.
    /// </summary>
    public TimeSpan VerifyEvery { get; set; } = TimeSpan.FromDays(1);

    public static readonly TimeSpan MinVerifyEvery = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxVerifyEvery = TimeSpan.FromDays(MaxRetentionDays);
}
