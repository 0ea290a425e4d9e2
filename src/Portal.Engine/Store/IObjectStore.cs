namespace Portal.Engine.Store;

/// <summary>
/// Where objects (zstd-compressed, named by the SHA-256 of their uncompressed content) and manifests live;
/// the filesystem backend is the default, an S3-compatible one can implement the same contract.
/// </summary>
internal interface IObjectStore
{
    /// <summary>Starts an object whose name is only known once its content has been hashed.</summary>
    IPendingObject BeginPut();

    /// <summary>The compressed bytes of an object; throws FileNotFoundException when it is missing.</summary>
    Stream OpenRead(string hash);

    bool Exists(string hash);

    /// <summary>Which of the hashes are stored; reads each object folder's listing once instead of looking up each object.</summary>
    IReadOnlySet<string> WhichExist(IEnumerable<string> hashes);

    void Delete(string hash);

    IEnumerable<string> List();

    /// <summary>Bytes the objects and manifests take in the store (compressed), for the store-size metric.</summary>
    long TotalBytes();

    /// <summary>
    /// Durable once this returns, and so are the objects the capture stored (<paramref name="stored"/>; the ones it reused
    /// were made durable by the capture that stored them): written to a temp name, flushed, then renamed.
    /// </summary>
    void WriteManifest(string snapshotId, byte[] content, IReadOnlyCollection<string> stored);

    byte[]? ReadManifest(string snapshotId);

    /// <summary>At most the first <paramref name="length"/> bytes of a manifest, enough for its header; null when missing.</summary>
    byte[]? ReadManifestStart(string snapshotId, int length);

    bool HasManifest(string snapshotId);

    void DeleteManifest(string snapshotId);

    IEnumerable<string> ListManifests();

    /// <summary>Removes what killed runs left in the temp area; only safe while nothing is being written.</summary>
    void ClearTemp();

    /// <summary>A scratch file path for uncompressed intermediates such as an SQLite backup.</summary>
    string NewTempPath(string suffix);
}

/// <summary>An object being written under a temp name; nothing is visible in the store until Commit.</summary>
internal interface IPendingObject : IDisposable
{
    Stream Content { get; }

    /// <summary>Publishes the object under its hash; returns the compressed size if it was new, 0 if it already existed.</summary>
    long Commit(string hash);
}
