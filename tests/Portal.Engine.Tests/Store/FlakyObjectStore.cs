namespace Portal.Engine.Tests.Store;

using Portal.Engine.Store;

/// <summary>A real store whose calls can be made to fail: <see cref="Failure"/> is asked, before each call, what to throw (null: nothing).</summary>
internal sealed class FlakyObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly Dictionary<string, int> _calls = [];

    /// <summary>Given the operation's name and how many times it was called before, the exception to throw, or null.</summary>
    public Func<string, int, Exception?> Failure { get; set; } = (_, _) => null;

    public int Calls(string operation)
    {
        lock (_calls)
        {
            return _calls.GetValueOrDefault(operation);
        }
    }

    public int Concurrency => inner.Concurrency;

    public ValueTask<IPendingObject> BeginPutAsync(CancellationToken cancellationToken) => Call(nameof(BeginPutAsync), () => inner.BeginPutAsync(cancellationToken));

    public ValueTask<long> CommitAsync(IPendingObject pending, string hash, bool knownMissing, CancellationToken cancellationToken) =>
        Call(nameof(CommitAsync), () => inner.CommitAsync(pending, hash, knownMissing, cancellationToken));

    public ValueTask<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken) => Call(nameof(OpenReadAsync), () => inner.OpenReadAsync(hash, cancellationToken));

    public ValueTask<bool> ExistsAsync(string hash, CancellationToken cancellationToken) => Call(nameof(ExistsAsync), () => inner.ExistsAsync(hash, cancellationToken));

    public ValueTask<IReadOnlySet<string>> WhichExistAsync(IEnumerable<string> hashes, CancellationToken cancellationToken) =>
        Call(nameof(WhichExistAsync), () => inner.WhichExistAsync(hashes, cancellationToken));

    public ValueTask<ObjectPage?> ListFolderAsync(string folder, CancellationToken cancellationToken) =>
        Call(nameof(ListFolderAsync), () => inner.ListFolderAsync(folder, cancellationToken));

    public ValueTask DeleteAsync(string hash, CancellationToken cancellationToken) => Call(nameof(DeleteAsync), () => inner.DeleteAsync(hash, cancellationToken));

    public ValueTask<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => Call(nameof(ListAsync), () => inner.ListAsync(cancellationToken));

    public ValueTask<long> TotalBytesAsync(CancellationToken cancellationToken) => Call(nameof(TotalBytesAsync), () => inner.TotalBytesAsync(cancellationToken));

    public ValueTask WriteManifestAsync(string snapshotId, byte[] content, IReadOnlyCollection<string> stored, CancellationToken cancellationToken) =>
        Call(nameof(WriteManifestAsync), () => inner.WriteManifestAsync(snapshotId, content, stored, cancellationToken));

    public ValueTask<byte[]?> ReadManifestAsync(string snapshotId, CancellationToken cancellationToken) =>
        Call(nameof(ReadManifestAsync), () => inner.ReadManifestAsync(snapshotId, cancellationToken));

    public ValueTask<byte[]?> ReadManifestStartAsync(string snapshotId, int length, CancellationToken cancellationToken) =>
        Call(nameof(ReadManifestStartAsync), () => inner.ReadManifestStartAsync(snapshotId, length, cancellationToken));

    public ValueTask<bool> HasManifestAsync(string snapshotId, CancellationToken cancellationToken) =>
        Call(nameof(HasManifestAsync), () => inner.HasManifestAsync(snapshotId, cancellationToken));

    public ValueTask DeleteManifestAsync(string snapshotId, CancellationToken cancellationToken) =>
        Call(nameof(DeleteManifestAsync), () => inner.DeleteManifestAsync(snapshotId, cancellationToken));

    public ValueTask<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken) => Call(nameof(ListManifestsAsync), () => inner.ListManifestsAsync(cancellationToken));

    public ValueTask SetPinAsync(string snapshotId, byte[]? content, CancellationToken cancellationToken) =>
        Call(nameof(SetPinAsync), () => inner.SetPinAsync(snapshotId, content, cancellationToken));

    public ValueTask<IReadOnlyDictionary<string, byte[]>> ReadPinsAsync(CancellationToken cancellationToken) => Call(nameof(ReadPinsAsync), () => inner.ReadPinsAsync(cancellationToken));

    public long ReadOrder(string hash) => inner.ReadOrder(hash);

    public ValueTask RefreshAsync(CancellationToken cancellationToken) => Call(nameof(RefreshAsync), () => inner.RefreshAsync(cancellationToken));

    public ValueTask CompactAsync(bool everyReferencedObjectListed, CancellationToken cancellationToken) => Call(nameof(CompactAsync), () => inner.CompactAsync(everyReferencedObjectListed, cancellationToken));

    public ValueTask ClearTempAsync(CancellationToken cancellationToken) => Call(nameof(ClearTempAsync), () => inner.ClearTempAsync(cancellationToken));

    public string NewTempPath(string suffix) => inner.NewTempPath(suffix);

    private T Call<T>(string operation, Func<T> call)
    {
        int before;
        lock (_calls)
        {
            before = _calls.GetValueOrDefault(operation);
            _calls[operation] = before + 1;
        }

        return Failure(operation, before) is { } failure ? throw failure : call();
    }
}
