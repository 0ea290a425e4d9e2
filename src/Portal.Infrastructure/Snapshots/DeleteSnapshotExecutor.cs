namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;

/// <summary>Runs "environment.backup.delete": the snapshot stops being restorable first, then its data is collected.</summary>
internal sealed class DeleteSnapshotExecutor(IDbContextFactory<PortalDbContext> contexts, ISnapshotEngine engine) : IActivityExecutor
{
    public string Type => ActivityTypes.SnapshotDelete;

    public async Task ExecuteAsync(Activity activity, ActivityRun run, CancellationToken cancellationToken)
    {
        await SetStatusAsync(activity.SnapshotId, SnapshotStatus.Deleting, cancellationToken);
        run.Log($"deleting snapshot {activity.SnapshotId}");
        try
        {
            await engine.DeleteAsync(activity.SnapshotId!, cancellationToken);
        }
        catch (SnapshotEngineException ex)
        {
            throw new ActivityFailedException(ex.Message);
        }

        await SetStatusAsync(activity.SnapshotId, SnapshotStatus.Deleted, CancellationToken.None);
    }

    private async Task SetStatusAsync(string? snapshotId, SnapshotStatus status, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Snapshots.Where(s => s.Id == snapshotId)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, status), cancellationToken);
    }
}
