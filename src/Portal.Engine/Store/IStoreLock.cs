namespace Portal.Engine.Store;

/// <summary>
/// Captures, verifies and restores hold the store shared; garbage collection holds it exclusive, since a capture may
/// rely on an object no manifest references yet. Injected so several nodes on one store can share one lock.
/// </summary>
public interface IStoreLock
{
    /// <summary>Waits until no exclusive holder remains; the handle releases on dispose.</summary>
    Task<IAsyncDisposable> SharedAsync(CancellationToken cancellationToken);

    /// <summary>Waits until no other holder remains; the handle releases on dispose.</summary>
    Task<IAsyncDisposable> ExclusiveAsync(CancellationToken cancellationToken);
}
