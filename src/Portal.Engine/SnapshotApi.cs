namespace Portal.Engine;

using Portal.Contracts;

/// <summary>
/// One service of an environment. Location is a folder path (Mount), a database file (Sqlite), a connection
/// string (MySql, PostgreSql) or a StackExchange.Redis configuration string (Redis).
/// </summary>
public sealed record ServiceSpec(string Name, ServiceKind Kind, string Location);

/// <summary>
/// EnvironmentKey lets a capture reuse unchanged files recorded by that environment's newest manifest. Live means the
/// environment keeps serving while it is captured, so no adapter may block its writes (e.g. by locking tables).
/// Label, when given, is written in the manifest header (completed with the time and sizes) so the store can be read without the metadata database.
/// </summary>
public sealed record CaptureRequest(string SnapshotId, string EnvironmentKey, IReadOnlyList<ServiceSpec> Services, bool Live = false, SnapshotLabel? Label = null);

/// <summary>
/// SizeStored is what this capture added to the store (compressed bytes of objects it wrote). Warnings name, with their
/// path or service, what the snapshot could not keep or kept only as read (a socket, a file that changed while read).
/// </summary>
public sealed record CaptureResult(long SizeOfVolumes, long SizeOfDatabases, long SizeStored, TimeSpan Elapsed, IReadOnlyList<string> Warnings);

/// <summary>
/// Targets are matched to the snapshot's services by Name and Kind; other targets restore into another environment.
/// The journal, when given, is told before the first destructive step and after each service's commit, so a restore
/// interrupted by a crash can be finished by the next start.
/// </summary>
/// <summary>EnvironmentKey names the environment restored into (as its captures do), so its next capture can reuse what was restored.</summary>
public sealed record RestoreRequest(string SnapshotId, IReadOnlyList<ServiceSpec> Targets, IRestoreJournal? Journal = null, string? EnvironmentKey = null);

/// <summary>Warnings name what the restore could not put back exactly (an xattr the target filesystem refuses, say); BytesRestored is what it wrote.</summary>
public sealed record RestoreResult(IReadOnlyList<string> Warnings, long BytesRestored = 0);

/// <summary>Durable record of a restore's commit, written by the caller (the metadata database) so a restart can finish it.</summary>
public interface IRestoreJournal
{
    /// <summary>Every service is prepared and verified; these are about to be replaced. Must be durable when it returns.</summary>
    Task CommittingAsync(IReadOnlyList<string> services, CancellationToken cancellationToken);

    /// <summary>This service now holds the snapshot's data. Must be durable when it returns.</summary>
    Task CommittedAsync(string service, CancellationToken cancellationToken);
}

public readonly record struct EngineProgress(long BytesDone, long BytesTotal, string? Message);

/// <summary>A snapshot's pin as the store keeps it: when, by whom, and why.</summary>
public sealed record StoredPin(DateTimeOffset At, string By, string Reason);

public interface ISnapshotEngine
{
    Task<CaptureResult> CaptureAsync(CaptureRequest request, IProgress<EngineProgress> progress, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="SnapshotCorruptException"/> naming the object and the path or service it belongs to.</summary>
    Task VerifyAsync(string snapshotId, CancellationToken cancellationToken);

    /// <summary>Re-reads every object of the snapshot and checks its hash, reporting bytes checked; reads only, changes nothing.</summary>
    Task VerifyAsync(string snapshotId, IProgress<EngineProgress> progress, CancellationToken cancellationToken);

    /// <summary>
    /// Builds every service's new state beside the old (verifying each object once, as it is decompressed into place) before the
    /// first destructive step: corruption or a missing object throws while the environment is still as it was.
    /// </summary>
    Task<RestoreResult> RestoreAsync(RestoreRequest request, IProgress<EngineProgress> progress, CancellationToken cancellationToken);

    /// <summary>Drops the manifest, then collects objects that no remaining manifest references; returns the bytes this freed in the store.</summary>
    Task<long> DeleteAsync(string snapshotId, CancellationToken cancellationToken);

    Task<bool> HasManifestAsync(string snapshotId, CancellationToken cancellationToken);

    /// <summary>
    /// Every manifest in the store with its header (id, capture start, label), reading only the first bytes of each; a manifest
    /// that cannot be read is listed with its Problem, never thrown, so one damaged file does not hide the others.
    /// </summary>
    Task<IReadOnlyList<StoredSnapshot>> ListStoredAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records the snapshot's pin in the store beside its manifest (or, with null, removes it), so a Portal that finds the
    /// snapshot again from the store after the old one is lost keeps it pinned.
    /// </summary>
    Task SetPinAsync(string snapshotId, StoredPin? pin, CancellationToken cancellationToken);

    /// <summary>The pins the store records, by snapshot id; one that cannot be read is left out.</summary>
    Task<IReadOnlyDictionary<string, StoredPin>> ReadPinsAsync(CancellationToken cancellationToken);

    /// <summary>Writes and drops a small temp object the way a capture writes one; throws (an IOException) when the store takes no writes.</summary>
    Task ProbeWritableAsync(CancellationToken cancellationToken);

    /// <summary>Bytes the store holds (compressed objects and manifests); walks the store, so call it now and then, not per request.</summary>
    Task<long> MeasureStoreAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Queues, in the background, what restores of this service left to clean up when Portal stopped or the server did not
    /// answer (the MariaDB tables a committed restore replaced); returns at once, and does nothing when nothing is left.
    /// </summary>
    void ResumeLeftovers(ServiceSpec service);
}
