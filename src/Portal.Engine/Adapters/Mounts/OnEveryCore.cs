namespace Portal.Engine.Adapters.Mounts;

using System.Runtime.ExceptionServices;
using Portal.Engine.Store;

/// <summary>
/// Hashing, compressing and decompressing are CPU-bound, so a mount's files are handled on every core; a remote store's
/// transfers wait on the network, so with one there are as many workers as it serves transfers at once (<see cref="IObjectStore.Concurrency"/>).
/// </summary>
internal static class OnEveryCore
{
    /// <summary>Parallel.ForEach that rethrows the first failure itself: callers expect the engine's exceptions, not the wrapper.</summary>
    public static void ForEach<T>(IEnumerable<T> items, IObjectStore store, Action<T> body, CancellationToken cancellationToken)
    {
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(Environment.ProcessorCount, store.Concurrency) };
        try
        {
            Parallel.ForEach(items, parallel, body);
        }
        catch (AggregateException ex)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
    }
}
