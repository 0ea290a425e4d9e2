namespace Portal.Engine.Adapters.Mounts;

using System.Runtime.ExceptionServices;

/// <summary>Hashing, compressing and decompressing are CPU-bound, so a mount's files are handled on every core.</summary>
internal static class OnEveryCore
{
    /// <summary>Parallel.ForEach that rethrows the first failure itself: callers expect the engine's exceptions, not the wrapper.</summary>
    public static void ForEach<T>(IEnumerable<T> items, Action<T> body, CancellationToken cancellationToken)
    {
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
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
