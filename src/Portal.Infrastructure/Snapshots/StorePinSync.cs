namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Persistence;

/// <summary>What one pin sync changed in the store.</summary>
public sealed record PinSyncReport(IReadOnlyList<string> Written, IReadOnlyList<string> Removed);

/// <summary>
/// Brings the store's pins back in line with Portal's database, which decides. A pin is recorded in the database first and in
/// the store after the commit, so a kill between the two, or a store that could not be written at that moment, leaves a
/// pinned snapshot the store does not know is pinned; a Portal rebuilt from that store would let retention expire it. Runs
/// before every expiry sweep (at start, then hourly). Only snapshots the database holds as Created are touched: a pin in the
/// store for a snapshot this database does not know is the reindex's to read, never removed here.
/// </summary>
public sealed class StorePinSync(IDbContextFactory<PortalDbContext> contexts, ISnapshotEngine engine, ILogger<StorePinSync> logger)
{
    // PostgreSQL keeps microseconds, the store's JSON the full ticks: the same pin read back from both differs below this.
    private static readonly TimeSpan SameInstant = TimeSpan.FromMilliseconds(1);

    public async Task<PinSyncReport> RunAsync(CancellationToken cancellationToken)
    {
        var stored = await engine.ReadPinsAsync(cancellationToken);
        var storedIds = stored.Keys.ToList();
        List<(string Id, StoredPin? Pin)> rows;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            rows = [.. (await db.Snapshots.AsNoTracking()
                    .Where(s => s.Status == SnapshotStatus.Created && (s.PinnedAt != null || storedIds.Contains(s.Id)))
                    .Select(s => new { s.Id, s.PinnedAt, s.PinnedBy, s.PinReason })
                    .ToListAsync(cancellationToken))
                .Select(s => (s.Id, s.PinnedAt is { } at ? new StoredPin(at, s.PinnedBy ?? "", s.PinReason ?? "") : null))];
        }

        var written = new List<string>();
        var removed = new List<string>();
        foreach (var (id, pin) in rows)
        {
            var inStore = stored.GetValueOrDefault(id);
            if (pin is not null && !Same(pin, inStore))
            {
                await engine.SetPinAsync(id, pin, cancellationToken);
                written.Add(id);
            }
            else if (pin is null && inStore is not null && !await PinnedNowAsync(id, cancellationToken))
            {
                // Read again just before: an admin may have pinned it since the list was read, and that pin must stay.
                await engine.SetPinAsync(id, null, cancellationToken);
                removed.Add(id);
            }
        }

        if (written.Count + removed.Count > 0)
        {
            logger.LogWarning("The snapshot store's pins differed from Portal's database (a pin or unpin that did not reach the store); "
                + "recorded {Written} pin(s) ({WrittenIds}) and removed {Removed} ({RemovedIds})",
                written.Count, string.Join(", ", written), removed.Count, string.Join(", ", removed));
        }

        return new PinSyncReport(written, removed);
    }

    private static bool Same(StoredPin pin, StoredPin? inStore) =>
        inStore is not null && inStore.By == pin.By && inStore.Reason == pin.Reason && (inStore.At - pin.At).Duration() < SameInstant;

    private async Task<bool> PinnedNowAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Snapshots.AnyAsync(s => s.Id == id && s.PinnedAt != null, cancellationToken);
    }
}
