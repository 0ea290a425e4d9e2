namespace Portal.Engine.Store;

/// <summary>
/// Where objects (zstd-compressed, named by the SHA-256 of their uncompressed content) and manifests live;
/// the filesystem backend is the default, an S3-compatible one can implement the same contract. Every call that
/// reaches the backend is asynchronous and cancellable; the filesystem backend completes them synchronously, so the
/// capture and restore paths pay no thread hop for it. <see cref="RetryingObjectStore"/> retries transient failures.
/// </summary>
internal interface IObjectStore
{
    /// <summary>Transfers this store serves well at once: a mount's capture and restore run at least this many workers.</summary>
    int Concurrency { get; }

    /// <summary>Starts an object whose name is only known once its content has been hashed.</summary>
    ValueTask<IPendingObject> BeginPutAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Publishes an object this store began under its hash; returns the compressed size if it was new, 0 if it already existed.
    /// <paramref name="knownMissing"/>: the caller has just looked the hash up and found nothing, so a remote store need not ask
    /// again before sending it (content-addressed: were it stored meanwhile, the bytes sent are the same ones); the object then
    /// counts as new. A member of the store, not of the object, so a wrapper such as <see cref="RetryingObjectStore"/> needs no
    /// object of its own per chunk.
    /// </summary>
    ValueTask<long> CommitAsync(IPendingObject pending, string hash, bool knownMissing, CancellationToken cancellationToken);

    /// <summary>The compressed bytes of an object; throws FileNotFoundException when it is missing.</summary>
    ValueTask<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken);

    ValueTask<bool> ExistsAsync(string hash, CancellationToken cancellationToken);

    /// <summary>
    /// Where an object sits for reading: objects stored side by side (in one S3 pack) get nearby keys, so readers that go in
    /// this order read each pack once; -1 when the store has no preference (every object on its own).
    /// </summary>
    long ReadOrder(string hash);

    /// <summary>Which of the hashes are stored; reads each object folder's listing once instead of looking up each object.</summary>
    ValueTask<IReadOnlySet<string>> WhichExistAsync(IEnumerable<string> hashes, CancellationToken cancellationToken);

    /// <summary>
    /// The first page (up to 1000 names, in the store's order) of one object folder (<paramref name="folder"/>: two hex digits),
    /// for <see cref="ObjectLookups"/>; null when this store looks an object up as cheaply as it lists (a local filesystem).
    /// </summary>
    ValueTask<ObjectPage?> ListFolderAsync(string folder, CancellationToken cancellationToken);

    ValueTask DeleteAsync(string hash, CancellationToken cancellationToken);

    /// <summary>Every stored object's hash, read whole so a retry can list again from the start.</summary>
    ValueTask<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Bytes the objects and manifests take in the store (compressed), for the store-size metric.</summary>
    ValueTask<long> TotalBytesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Durable once this returns, and so are the objects the capture stored (<paramref name="stored"/>; the ones it reused
    /// were made durable by the capture that stored them): written to a temp name, flushed, then renamed.
    /// </summary>
    ValueTask WriteManifestAsync(string snapshotId, byte[] content, IReadOnlyCollection<string> stored, CancellationToken cancellationToken);

    ValueTask<byte[]?> ReadManifestAsync(string snapshotId, CancellationToken cancellationToken);

    /// <summary>At most the first <paramref name="length"/> bytes of a manifest, enough for its header; null when missing.</summary>
    ValueTask<byte[]?> ReadManifestStartAsync(string snapshotId, int length, CancellationToken cancellationToken);

    ValueTask<bool> HasManifestAsync(string snapshotId, CancellationToken cancellationToken);

    ValueTask DeleteManifestAsync(string snapshotId, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records a snapshot's pin (its JSON) or, with null, removes it, durably: a Portal that reindexes the store after the
    /// old one is gone keeps the snapshot pinned, so retention does not take what someone chose to keep.
    /// </summary>
    ValueTask SetPinAsync(string snapshotId, byte[]? content, CancellationToken cancellationToken);

    /// <summary>Every pin the store records, by snapshot id.</summary>
    ValueTask<IReadOnlyDictionary<string, byte[]>> ReadPinsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Rereads what other nodes changed in an index the store keeps of its own objects (the S3 store's packs), so lookups made
    /// under the store's shared lock answer for the store as it is now; a store without one does nothing.
    /// </summary>
    ValueTask RefreshAsync(CancellationToken cancellationToken);

    /// <summary>
    /// After a collection (<see cref="ListAsync"/>, then <see cref="DeleteAsync"/> of every unreferenced object), under the same
    /// exclusive lock: frees what the deletes could not free one object at a time (packs mostly unreferenced); otherwise nothing.
    /// <paramref name="everyReferencedObjectListed"/>: every object a manifest names was among those listed, so a pack whose
    /// index cannot be read (a server that keeps a cut-short PUT) holds nothing a snapshot needs and goes too.
    /// </summary>
    ValueTask CompactAsync(bool everyReferencedObjectListed, CancellationToken cancellationToken);

    /// <summary>Removes what killed runs left in the temp area; only safe while nothing is being written.</summary>
    ValueTask ClearTempAsync(CancellationToken cancellationToken);

    /// <summary>A local scratch file path for uncompressed intermediates such as an SQLite backup; names a path, touches nothing.</summary>
    string NewTempPath(string suffix);
}

/// <summary>An object being written under a temp name; nothing is visible in the store until it is committed (<see cref="IObjectStore.CommitAsync"/>).</summary>
internal interface IPendingObject : IDisposable
{
    Stream Content { get; }
}

/// <summary>For the synchronous Stream paths (<see cref="ObjectSink"/>, <see cref="ChunkReader"/>) that call the store from Read and Write.</summary>
internal static class StoreCalls
{
    /// <summary>The filesystem store has already completed (no allocation, no hop); a remote store blocks this worker thread.</summary>
    public static T Wait<T>(ValueTask<T> call) => call.IsCompletedSuccessfully ? call.Result : call.AsTask().GetAwaiter().GetResult();
}
