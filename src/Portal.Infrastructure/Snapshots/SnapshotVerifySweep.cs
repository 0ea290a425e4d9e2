namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Proves snapshots restorable: every <c>Background:VerifySweepInterval</c>, each environment's newest restorable snapshot
/// that went <c>Snapshots:VerifyEvery</c> without a verify gets a verify activity, queued like any other (one at a time per
/// environment, after what is already waiting). One node sweeps at a time, so a snapshot is queued once.
/// </summary>
internal sealed class SnapshotVerifySweep(
    IDbContextFactory<PortalDbContext> contexts,
    IServiceScopeFactory scopes,
    IOptions<SnapshotOptions> snapshotOptions,
    IOptions<BackgroundOptions> options,
    SingletonJobs singleton,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<SnapshotVerifySweep> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    protected override TimeSpan Interval => options.Value.VerifySweepInterval;

    /// <summary>The first sweep comes one interval after start: a restart never puts verifies ahead of what users ask for right then.</summary>
    protected override Task StartingAsync(CancellationToken stoppingToken) => Task.Delay(Interval, Time, stoppingToken);

    protected override Task RunOnceAsync(CancellationToken stoppingToken) => singleton.TryRunAsync(nameof(SnapshotVerifySweep), SweepAsync, stoppingToken);

    /// <summary>Returns the ids of the snapshots whose verify it queued.</summary>
    internal async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        List<(Snapshot Snapshot, string Environment)> due;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // An environment whose verify is already waiting or running gets no second one.
            var verifying = (await db.Activities.AsNoTracking()
                .Where(a => a.Type == ActivityTypes.SnapshotVerify && (a.State == ActivityState.Pending || a.State == ActivityState.InProgress))
                .Select(a => a.EnvironmentId).Distinct().ToListAsync(cancellationToken)).ToHashSet();
            var candidates = await db.Snapshots.AsNoTracking()
                .Where(s => s.Status == SnapshotStatus.Created)
                .Join(db.Environments.Where(e => e.Status != EnvironmentStatus.Inactive), s => s.EnvironmentId, e => e.Id, (s, e) => new { Snapshot = s, e.Name })
                .ToListAsync(cancellationToken);

            // Compared in memory: SQLite stores DateTimeOffset as ticks. The newest snapshot of each environment that could be restored.
            due = [.. candidates
                .Where(c => c.Snapshot.VerifyFailure is null && now < c.Snapshot.ExpiresAt && !verifying.Contains(c.Snapshot.EnvironmentId))
                .GroupBy(c => c.Snapshot.EnvironmentId)
                .Select(g => g.MaxBy(c => c.Snapshot.CreatedAt)!)
                .Where(c => SnapshotRules.IsVerifyDue(c.Snapshot, now, snapshotOptions.Value.VerifyEvery))
                .Select(c => (c.Snapshot, c.Name))];
        }

        var queuedNow = new List<string>();
        foreach (var (snapshot, environment) in due)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<SnapshotService>()
                    .VerifyScheduledAsync(snapshot.ProjectId, environment, snapshot.Id, cancellationToken);
                queuedNow.Add(snapshot.Id);
                logger.LogInformation("Queued the periodic verify of snapshot {Snapshot} of {Environment}", snapshot.Id, environment);
            }
            catch (PortalRefusedException refused)
            {
                // Deleted or changed since it was read: the next sweep sees it as it is then.
                logger.LogInformation("Snapshot {Snapshot} of {Environment} was not verified: {Reason}", snapshot.Id, environment, refused.Message);
            }
        }

        return queuedNow;
    }
}
