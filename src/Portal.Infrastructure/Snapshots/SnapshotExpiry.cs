namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Frees the store of snapshots past their restore window (rule: restorable for 7 days): at start, then hourly
/// (<c>Background:ExpirySweepInterval</c>), each
/// expired snapshot's manifest is dropped and the objects no other snapshot shares are collected; the row stays, as
/// Expired, so the list and the feed still tell what existed.
/// </summary>
internal sealed class SnapshotExpiry(
    IDbContextFactory<PortalDbContext> contexts,
    ISnapshotEngine engine,
    RestoreJournals journals,
    IOptions<BackgroundOptions> options,
    SingletonJobs singleton,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<SnapshotExpiry> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    protected override TimeSpan Interval => options.Value.ExpirySweepInterval;

    // A failed sweep is logged by the base and the next one tries again; expired snapshots are already refused for restore by the rules.
    // One node sweeps at a time: two would delete the same manifests and count each other's work as failures.
    protected override Task RunOnceAsync(CancellationToken stoppingToken) => singleton.TryRunAsync(nameof(SnapshotExpiry), SweepAsync, stoppingToken);

    /// <summary>Returns how many snapshots were collected.</summary>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        List<string> expired;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // Compared in memory: SQLite stores DateTimeOffset as ticks and the set of kept snapshots is small.
            expired = (await db.Snapshots.AsNoTracking().Where(s => s.Status == SnapshotStatus.Created).Select(s => new { s.Id, s.ExpiresAt }).ToListAsync(cancellationToken))
                .Where(s => s.ExpiresAt <= now).Select(s => s.Id).ToList();
        }

        // An unfinished restore (or its roll-back) still needs its snapshot, even past the window: it goes once that is done.
        var inUse = await journals.SnapshotsInUseAsync(cancellationToken);
        expired.RemoveAll(inUse.Contains);
        foreach (var id in expired)
        {
            await engine.DeleteAsync(id, cancellationToken);
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await db.Snapshots.Where(s => s.Id == id && s.Status == SnapshotStatus.Created)
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, SnapshotStatus.Expired), cancellationToken);
            logger.LogInformation("Snapshot {Snapshot} expired; its data was removed from the store", id);
        }

        return expired.Count;
    }
}
