namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Applies each environment type's retention policy (<see cref="SnapshotRetention"/>): at start, then hourly
/// (<c>Background:ExpirySweepInterval</c>), every complete, unpinned snapshot the policy lets go gets a delete activity by
/// Portal in its environment's feed, saying why; the activity drops the manifest, collects the objects no other snapshot
/// shares and logs how much that freed. The row stays, as Expired, so the list and the feed still tell what existed.
/// Queued, not done in place, so an expiry waits for the environment's running activity, survives a restart like any
/// delete, and a snapshot pinned before its turn comes is kept.
/// </summary>
internal sealed class SnapshotExpiry(
    IDbContextFactory<PortalDbContext> contexts,
    IActivityQueue queue,
    RestoreJournals journals,
    StorePinSync pins,
    IOptions<BackgroundOptions> options,
    IOptions<SnapshotOptions> snapshotOptions,
    SingletonJobs singleton,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<SnapshotExpiry> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    protected override TimeSpan Interval => options.Value.ExpirySweepInterval;

    // A failed sweep is logged by the base and the next one tries again; expired snapshots are already refused for restore by the rules.
    // One node sweeps at a time: two would queue the same deletions twice.
    protected override Task RunOnceAsync(CancellationToken stoppingToken) => singleton.TryRunAsync(nameof(SnapshotExpiry), TurnAsync, stoppingToken);

    /// <summary>One turn: the store's pins first, then the sweep.</summary>
    internal async Task<IReadOnlyList<Activity>> TurnAsync(CancellationToken cancellationToken)
    {
        await SyncPinsAsync(cancellationToken);
        return await SweepAsync(cancellationToken);
    }

    /// <summary>The store learns the pins it missed before anything expires; a store that cannot be read now is said and tried next turn.</summary>
    private async Task SyncPinsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await pins.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the store says, the sweep still runs: its decisions come from the database's pins, not the store's.
            logger.LogWarning(ex, "The snapshot store's pins could not be checked against Portal's database; the next sweep tries again");
        }
    }

    /// <summary>Returns the delete activities it queued.</summary>
    internal async Task<IReadOnlyList<Activity>> SweepAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        List<Snapshot> snapshots;
        Dictionary<Guid, Core.Environments.EnvironmentType> types;
        HashSet<string> beingDeleted;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            snapshots = await db.Snapshots.AsNoTracking().Where(s => s.Status == SnapshotStatus.Created).ToListAsync(cancellationToken);
            types = await db.Environments.AsNoTracking().ToDictionaryAsync(e => e.Id, e => e.Type, cancellationToken);
            beingDeleted = [.. await db.Activities.AsNoTracking()
                .Where(a => a.Type == ActivityTypes.SnapshotDelete && (a.State == ActivityState.Pending || a.State == ActivityState.InProgress) && a.SnapshotId != null)
                .Select(a => a.SnapshotId!).ToListAsync(cancellationToken)];
        }

        // An unfinished restore (or its roll-back) still needs its snapshot, even past the window: it goes once that is done.
        var inUse = await journals.SnapshotsInUseAsync(cancellationToken);
        var queued = new List<Activity>();
        foreach (var environment in snapshots.GroupBy(s => s.EnvironmentId))
        {
            var policy = snapshotOptions.Value.Retention.For(types.GetValueOrDefault(environment.Key));
            foreach (var decision in SnapshotRetention.ToLetGo(environment, policy, now))
            {
                var snapshot = decision.Snapshot;
                if (inUse.Contains(snapshot.Id) || beingDeleted.Contains(snapshot.Id))
                {
                    continue;
                }

                var activity = new Activity
                {
                    Id = PortalIds.New(),
                    ProjectId = snapshot.ProjectId,
                    EnvironmentId = snapshot.EnvironmentId,
                    EnvironmentName = snapshot.EnvironmentName,
                    Type = ActivityTypes.SnapshotDelete,
                    CreatedAt = now,
                    SnapshotId = snapshot.Id,
                    Payload = new SnapshotPayload { Expire = true }.ToJson(),
                    Text = $"{Actor.System.DisplayName} expired snapshot {snapshot.Id} of {snapshot.EnvironmentName}: {decision.Describe(policy)}",
                    InitiatedBy = Actor.System.UserId,
                };
                await queue.EnqueueAsync(activity, null, cancellationToken);
                queued.Add(activity);
                logger.LogInformation("Snapshot {Snapshot} expires ({Reason}); activity {Activity} removes its data", snapshot.Id, decision.Reason, activity.Id);
            }
        }

        return queued;
    }
}
