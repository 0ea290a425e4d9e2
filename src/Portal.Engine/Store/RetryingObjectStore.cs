namespace Portal.Engine.Store;

using Microsoft.Extensions.Logging;

/// <summary>
/// Retries a store's transient failures with exponential backoff and jitter, a bounded number of times, as restic's retrying
/// backend and kopia's retrying storage do: each call is tried again whole, so only calls that may safely run twice go through it
/// (every member of <see cref="IObjectStore"/>: objects are named by content, manifests are written whole). Cancellation and
/// permanent failures (not found, disk full, invalid input) are never retried; after the last try the last failure is thrown.
/// A call that succeeds first time costs no allocation.
/// </summary>
internal sealed partial class RetryingObjectStore(IObjectStore inner, StoreRetryOptions options, TimeProvider time, ILogger<RetryingObjectStore> logger) : IObjectStore
{
    public int Concurrency => inner.Concurrency;

    public ValueTask<IPendingObject> BeginPutAsync(CancellationToken cancellationToken) =>
        RunAsync("begin an object", 0, static (store, _, token) => store.BeginPutAsync(token), cancellationToken);

    public ValueTask<long> CommitAsync(IPendingObject pending, string hash, bool knownMissing, CancellationToken cancellationToken) =>
        RunAsync("commit an object", (pending, hash, knownMissing), static (store, args, token) => store.CommitAsync(args.pending, args.hash, args.knownMissing, token), cancellationToken);

    public ValueTask<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken) =>
        RunAsync("open an object", hash, static (store, hash, token) => store.OpenReadAsync(hash, token), cancellationToken);

    public ValueTask<bool> ExistsAsync(string hash, CancellationToken cancellationToken) =>
        RunAsync("look up an object", hash, static (store, hash, token) => store.ExistsAsync(hash, token), cancellationToken);

    public ValueTask<IReadOnlySet<string>> WhichExistAsync(IEnumerable<string> hashes, CancellationToken cancellationToken) =>
        RunAsync("look up objects", hashes, static (store, hashes, token) => store.WhichExistAsync(hashes, token), cancellationToken);

    public ValueTask<ObjectPage?> ListFolderAsync(string folder, CancellationToken cancellationToken) =>
        RunAsync("list an object folder", folder, static (store, folder, token) => store.ListFolderAsync(folder, token), cancellationToken);

    public ValueTask DeleteAsync(string hash, CancellationToken cancellationToken) =>
        RunAsync("delete an object", hash, static (store, hash, token) => store.DeleteAsync(hash, token), cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        RunAsync("list objects", 0, static (store, _, token) => store.ListAsync(token), cancellationToken);

    public ValueTask<long> TotalBytesAsync(CancellationToken cancellationToken) =>
        RunAsync("measure the store", 0, static (store, _, token) => store.TotalBytesAsync(token), cancellationToken);

    public ValueTask WriteManifestAsync(string snapshotId, byte[] content, IReadOnlyCollection<string> stored, CancellationToken cancellationToken) =>
        RunAsync("write a manifest", (snapshotId, content, stored), static (store, args, token) => store.WriteManifestAsync(args.snapshotId, args.content, args.stored, token), cancellationToken);

    public ValueTask<byte[]?> ReadManifestAsync(string snapshotId, CancellationToken cancellationToken) =>
        RunAsync("read a manifest", snapshotId, static (store, id, token) => store.ReadManifestAsync(id, token), cancellationToken);

    public ValueTask<byte[]?> ReadManifestStartAsync(string snapshotId, int length, CancellationToken cancellationToken) =>
        RunAsync("read a manifest's header", (snapshotId, length), static (store, args, token) => store.ReadManifestStartAsync(args.snapshotId, args.length, token), cancellationToken);

    public ValueTask<bool> HasManifestAsync(string snapshotId, CancellationToken cancellationToken) =>
        RunAsync("look up a manifest", snapshotId, static (store, id, token) => store.HasManifestAsync(id, token), cancellationToken);

    public ValueTask DeleteManifestAsync(string snapshotId, CancellationToken cancellationToken) =>
        RunAsync("delete a manifest", snapshotId, static (store, id, token) => store.DeleteManifestAsync(id, token), cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken) =>
        RunAsync("list manifests", 0, static (store, _, token) => store.ListManifestsAsync(token), cancellationToken);

    public ValueTask SetPinAsync(string snapshotId, byte[]? content, CancellationToken cancellationToken) =>
        RunAsync("record a pin", (snapshotId, content), static (store, args, token) => store.SetPinAsync(args.snapshotId, args.content, token), cancellationToken);

    public ValueTask<IReadOnlyDictionary<string, byte[]>> ReadPinsAsync(CancellationToken cancellationToken) =>
        RunAsync("read the pins", 0, static (store, _, token) => store.ReadPinsAsync(token), cancellationToken);

    public long ReadOrder(string hash) => inner.ReadOrder(hash);

    public ValueTask RefreshAsync(CancellationToken cancellationToken) =>
        RunAsync("read the store's index", 0, static (store, _, token) => store.RefreshAsync(token), cancellationToken);

    public ValueTask CompactAsync(bool everyReferencedObjectListed, CancellationToken cancellationToken) =>
        RunAsync("compact the store", everyReferencedObjectListed, static (store, listed, token) => store.CompactAsync(listed, token), cancellationToken);

    public ValueTask ClearTempAsync(CancellationToken cancellationToken) =>
        RunAsync("clear the temp area", 0, static (store, _, token) => store.ClearTempAsync(token), cancellationToken);

    public string NewTempPath(string suffix) => inner.NewTempPath(suffix);

    /// <summary>Worth another try: the remote store said so, a timeout, or an I/O error that is not a missing path or a full disk.</summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        OperationCanceledException => false,
        ObjectStoreTransientException or TimeoutException => true,
        FileNotFoundException or DirectoryNotFoundException or PathTooLongException or EndOfStreamException => false,
        IOException io => !DiskFailures.IsDiskFull(io),
        _ => false,
    };

    /// <summary>The wait after failed try <paramref name="attempt"/> (1-based): doubling from the initial delay up to the cap, then cut by a random part of up to half.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var full = Math.Min(options.InitialDelay.Ticks * Math.Pow(2, attempt - 1), options.MaxDelay.Ticks);
        return TimeSpan.FromTicks((long)(full * (0.5 + (Random.Shared.NextDouble() / 2))));
    }

    // The retries live in separate methods, not local functions: captured locals would cost a closure on every call.
    private ValueTask RunAsync<TArgs>(string operation, TArgs args, Func<IObjectStore, TArgs, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        try
        {
            var first = call(inner, args, cancellationToken);
            return first.IsCompletedSuccessfully ? first : AwaitThenRetryAsync(first, operation, args, call, cancellationToken);
        }
        catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            return new ValueTask(RetryWithoutResultAsync(operation, args, call, ex, cancellationToken).AsTask());
        }
    }

    private async ValueTask AwaitThenRetryAsync<TArgs>(
        ValueTask first, string operation, TArgs args, Func<IObjectStore, TArgs, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        try
        {
            await first;
        }
        catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            await RetryWithoutResultAsync(operation, args, call, ex, cancellationToken);
        }
    }

    private ValueTask<bool> RetryWithoutResultAsync<TArgs>(
        string operation, TArgs args, Func<IObjectStore, TArgs, CancellationToken, ValueTask> call, Exception failure, CancellationToken cancellationToken) =>
        RetryAsync(operation, (call, args), static async (store, state, token) =>
        {
            await state.call(store, state.args, token);
            return true;
        }, failure, cancellationToken);

    private ValueTask<T> RunAsync<TArgs, T>(string operation, TArgs args, Func<IObjectStore, TArgs, CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            var first = call(inner, args, cancellationToken);
            return first.IsCompletedSuccessfully ? first : AwaitThenRetryAsync(first, operation, args, call, cancellationToken);
        }
        catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            return RetryAsync(operation, args, call, ex, cancellationToken);
        }
    }

    private async ValueTask<T> AwaitThenRetryAsync<TArgs, T>(
        ValueTask<T> first, string operation, TArgs args, Func<IObjectStore, TArgs, CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await first;
        }
        catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            return await RetryAsync(operation, args, call, ex, cancellationToken);
        }
    }

    /// <summary>Tries 2…MaxAttempts, each after its backoff; the first try already failed with <paramref name="failure"/>.</summary>
    private async ValueTask<T> RetryAsync<TArgs, T>(
        string operation, TArgs args, Func<IObjectStore, TArgs, CancellationToken, ValueTask<T>> call, Exception failure, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (attempt >= options.MaxAttempts)
            {
                LogGaveUp(logger, operation, attempt, failure);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            var delay = Backoff(attempt);
            LogRetrying(logger, operation, attempt, options.MaxAttempts, delay, failure);
            await Task.Delay(delay, time, cancellationToken);
            try
            {
                var result = await call(inner, args, cancellationToken);
                LogRecovered(logger, operation, attempt + 1);
                return result;
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The snapshot store failed to {Operation} (try {Attempt} of {MaxAttempts}); trying again in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string operation, int attempt, int maxAttempts, TimeSpan delay, Exception failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "The snapshot store managed to {Operation} at try {Attempt}")]
    private static partial void LogRecovered(ILogger logger, string operation, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The snapshot store failed to {Operation} {Attempts} times; giving up")]
    private static partial void LogGaveUp(ILogger logger, string operation, int attempts, Exception failure);
}
