namespace Portal.Engine.Adapters.Mounts;

using Portal.Engine.Store;

/// <summary>
/// A mount's files are hashed, compressed and decompressed on every core, and each also waits on its store: a cold
/// local disk or a remote store's network. So there are as many workers as the store serves transfers at once
/// (<see cref="IObjectStore.Concurrency"/>), and never fewer than cores.
/// </summary>
internal static class OnEveryCore
{
    public static void ForEach<T>(IEnumerable<T> items, IObjectStore store, Action<T> body, CancellationToken cancellationToken) =>
        OwnThreads.ForEach(
            items as IReadOnlyList<T> ?? [.. items],
            Math.Max(Environment.ProcessorCount, store.Concurrency),
            "Portal mount worker",
            body,
            cancellationToken);
}
