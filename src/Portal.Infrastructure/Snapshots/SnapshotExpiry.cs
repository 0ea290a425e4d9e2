namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Frees the store of snapshots past their restore window (rule: restorable for 7 days): at start, then hourly, each
/// expired snapshot's manifest is dropped and the objects no other snapshot shares are collected; the row stays, as
/// Expired, so the list and the feed still tell what existed.
/// </summary>
internal sealed class SnapshotExpiry(
    IDbContextFactory<PortalDbContext> contexts,
    ISnapshotEngine engine,
    RestoreJournals journals,
    TimeProvider time,
    ILogger<SnapshotExpiry> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is SnapshotEngineException or IOException or DbUpdateException)
            {
                // The next sweep tries again; expired snapshots are already refused for restore by the rules.
                logger.LogWarning(ex, "Collecting expired snapshots failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Returns how many snapshots were collected.</summary>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
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
