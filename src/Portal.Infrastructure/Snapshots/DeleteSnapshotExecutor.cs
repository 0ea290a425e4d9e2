namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Runs "environment.backup.delete", asked by an admin or by the retention sweep: the snapshot stops being restorable first,
/// then its data is collected, and the log says how much that freed. A snapshot pinned since the delete was queued is kept.
/// </summary>
internal sealed class DeleteSnapshotExecutor(IDbContextFactory<PortalDbContext> contexts, ISnapshotEngine engine) : IActivityExecutor
{
    public string Type => ActivityTypes.SnapshotDelete;

    public async Task ExecuteAsync(Activity activity, ActivityRun run, CancellationToken cancellationToken)
    {
        var expire = SnapshotPayload.Parse(activity.Payload).Expire;
        // Deleting is only entered here; a resumed delete (Portal died mid-way) finds it so and finishes.
        int claimed;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            claimed = await db.Snapshots
                .Where(s => s.Id == activity.SnapshotId && ((s.Status == SnapshotStatus.Created && s.PinnedAt == null) || s.Status == SnapshotStatus.Deleting))
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, SnapshotStatus.Deleting), cancellationToken);
        }

        if (claimed == 0)
        {
            run.Log($"snapshot {activity.SnapshotId} was pinned or removed since this was asked; nothing was deleted");
            return;
        }

        run.Log($"{(expire ? "expiring" : "deleting")} snapshot {activity.SnapshotId}");
        long freed;
        try
        {
            freed = await engine.DeleteAsync(activity.SnapshotId!, cancellationToken);
        }
        catch (SnapshotEngineException ex)
        {
            throw new ActivityFailedException(ex.Message);
        }

        run.Log($"freed {SnapshotCapture.Bytes(freed)} in the snapshot store ({freed} bytes)");
        await using var done = await contexts.CreateDbContextAsync(CancellationToken.None);
        await done.Snapshots.Where(s => s.Id == activity.SnapshotId)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, expire ? SnapshotStatus.Expired : SnapshotStatus.Deleted), CancellationToken.None);
    }
}
