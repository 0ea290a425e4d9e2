namespace Portal.Infrastructure.Snapshots;

using Medallion.Threading.Postgres;
using Portal.Engine.Store;

/// <summary>
/// The store lock of several nodes on one PostgreSQL database: a reader-writer advisory lock, so captures and restores on
/// every node share the store and garbage collection on any node waits for them all and excludes them.
/// </summary>
public sealed class PostgresStoreLock(string connectionString, string storeKey) : IStoreLock
{
    // One connection per holder (no multiplexing): a shared and an exclusive hold of one node must not ride one session, where they would not exclude each other.
    private readonly PostgresDistributedReaderWriterLock _lock = new(
        new PostgresAdvisoryLockKey($"portal-store:{storeKey}", allowHashing: true), connectionString, o => o.UseMultiplexing(false));

    public async Task<IAsyncDisposable> SharedAsync(CancellationToken cancellationToken) =>
        await _lock.AcquireReadLockAsync(cancellationToken: cancellationToken);

    public async Task<IAsyncDisposable> ExclusiveAsync(CancellationToken cancellationToken) =>
        await _lock.AcquireWriteLockAsync(cancellationToken: cancellationToken);
}
