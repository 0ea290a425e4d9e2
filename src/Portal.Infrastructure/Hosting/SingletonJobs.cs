namespace Portal.Infrastructure.Hosting;

using Medallion.Threading.Postgres;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// Periodic work that must run on one node at a time cluster-wide (the expiry sweep): with PostgreSQL each turn takes a
/// session advisory lock named after the job, and a node that finds it held skips its turn. With SQLite the one node runs it.
/// </summary>
public sealed class SingletonJobs(IOptions<DatabaseOptions> database, ILogger<SingletonJobs> logger)
{
    /// <summary>Runs <paramref name="job"/> unless another node is running it; returns whether it ran here.</summary>
    public async Task<bool> TryRunAsync(string name, Func<CancellationToken, Task> job, CancellationToken cancellationToken)
    {
        if (database.Value.Provider != DatabaseProvider.PostgreSQL)
        {
            await job(cancellationToken);
            return true;
        }

        var advisory = new PostgresDistributedLock(new PostgresAdvisoryLockKey($"portal-job:{name}", allowHashing: true), database.Value.ConnectionString!);
        await using var handle = await advisory.TryAcquireAsync(TimeSpan.Zero, cancellationToken);
        if (handle is null)
        {
            logger.LogDebug("{Job} is running on another node; this node skips its turn", name);
            return false;
        }

        // The lock lives on its connection: if that drops, another node may start the job, so this turn stops.
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, handle.HandleLostToken);
        await job(lost.Token);
        return true;
    }
}
