namespace Portal.Infrastructure.Schedules;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Schedules;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Takes the snapshots schedules ask for: every <c>Background:SchedulerInterval</c>, each schedule whose next run is due gets one
/// ordinary snapshot activity by Portal itself. Runs missed while Portal was down collapse into that one. One node schedules at
/// a time (a singleton job), and a run's ids derive from the schedule and its time, so no run is queued twice, even by a node
/// that died between queuing it and recording it.
/// </summary>
internal sealed class SnapshotScheduler(
    IDbContextFactory<PortalDbContext> contexts,
    IServiceScopeFactory scopes,
    IOptions<BackgroundOptions> options,
    SingletonJobs singleton,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<SnapshotScheduler> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    protected override TimeSpan Interval => options.Value.SchedulerInterval;

    protected override Task RunOnceAsync(CancellationToken stoppingToken) => singleton.TryRunAsync(nameof(SnapshotScheduler), RunDueAsync, stoppingToken);

    /// <summary>Queues the due runs; returns how many snapshots were queued.</summary>
    internal async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        List<Due> all;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            all = await (from s in db.Schedules.AsNoTracking()
                         join e in db.Environments on s.EnvironmentId equals e.Id
                         join p in db.Projects on e.ProjectId equals p.Id
                         select new Due(s, e.Name, p.TimeZone)).ToListAsync(cancellationToken);
        }

        var queued = 0;
        foreach (var due in all)
        {
            if (await RunIfDueAsync(due, now, cancellationToken))
            {
                queued++;
            }
        }

        return queued;
    }

    private async Task<bool> RunIfDueAsync(Due due, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var schedule = due.Schedule;
        var zone = ScheduleRules.FindZone(due.TimeZone) ?? TimeZoneInfo.Utc;
        if (ScheduleRules.Parse(schedule.Cron).Cron is not { } cron)
        {
            logger.LogWarning("The schedule of {Project}/{Environment} cannot be read ({Cron}); nothing is scheduled", schedule.ProjectId, due.EnvironmentName, schedule.Cron);
            return false;
        }

        var (count, newest) = ScheduleRules.Due(cron, zone, schedule.DueAfter, now);
        if (newest is not { } at)
        {
            return false;
        }

        var run = new ScheduledRun(schedule.Id, at, count - 1);
        var queued = false;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SnapshotService>().CreateScheduledAsync(schedule.ProjectId, due.EnvironmentName, schedule.Live, run, cancellationToken);
            queued = true;
            if (run.Missed > 0)
            {
                logger.LogWarning("{Project}/{Environment}: {Missed} scheduled runs were missed while Portal was not running; one snapshot was taken for them",
                    schedule.ProjectId, due.EnvironmentName, run.Missed);
            }
        }
        catch (PortalRefusedException ex)
        {
            // The environment cannot be snapshotted now (inactive, plan): the run is missed, said once, and the next one tries again.
            logger.LogWarning("The scheduled snapshot of {Project}/{Environment} due at {Due} was not taken: {Reason}", schedule.ProjectId, due.EnvironmentName, at, ex.Message);
        }
        catch (DbUpdateException)
        {
            // Queued before a crash kept it from being recorded: recorded now, not queued twice. Anything else is a real failure.
            if (!await IsQueuedAsync(run, cancellationToken))
            {
                throw;
            }
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // Only if nobody changed the schedule meanwhile (a changed schedule starts again from its own time).
            await db.Schedules.Where(s => s.Id == schedule.Id && s.UpdatedAt == schedule.UpdatedAt && s.LastRunAt == schedule.LastRunAt)
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.LastRunAt, at), cancellationToken);
        }

        return queued;
    }

    private async Task<bool> IsQueuedAsync(ScheduledRun run, CancellationToken cancellationToken)
    {
        var id = PortalIds.Derive($"{run.Key}/activity");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Activities.AnyAsync(a => a.Id == id, cancellationToken);
    }

    private sealed record Due(SnapshotSchedule Schedule, string EnvironmentName, string TimeZone);
}
