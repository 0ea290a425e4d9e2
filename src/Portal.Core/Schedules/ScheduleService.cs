namespace Portal.Core.Schedules;

using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

/// <summary>Read, set and remove an environment's snapshot schedule: the one entry point for the pane and the API.</summary>
public sealed class ScheduleService(AccessGuard guard, IProjectRepository projects, IScheduleRepository schedules, TimeProvider time)
{
    public async Task<ScheduleView> GetAsync(Actor actor, string projectId, string environmentName, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var zone = await ZoneAsync(projectId, cancellationToken);
        var schedule = await schedules.FindAsync(environment.Id, cancellationToken);
        return View(environment, roles, zone, schedule);
    }

    public async Task<ScheduleView> SetAsync(Actor actor, string projectId, string environmentName, string? cron, bool live, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var zone = await ZoneAsync(projectId, cancellationToken);
        var schedule = await schedules.FindAsync(environment.Id, cancellationToken);
        AccessGuard.Enforce(CheckCanEdit(environment, roles, schedule));
        var now = time.GetUtcNow();
        AccessGuard.Enforce(ScheduleRules.Check(cron, zone, now).Problem);

        schedule ??= new SnapshotSchedule { ProjectId = projectId, EnvironmentId = environment.Id, Cron = "", UpdatedBy = actor.UserId };
        schedule.Cron = cron!.Trim();
        schedule.Live = live;
        schedule.UpdatedBy = actor.UserId;
        // A changed schedule starts from now: runs the old one would have made are not owed.
        schedule.UpdatedAt = now;
        schedule.LastRunAt = null;
        await schedules.SaveAsync(schedule, cancellationToken);
        return View(environment, roles, zone, schedule);
    }

    public async Task<ScheduleView> RemoveAsync(Actor actor, string projectId, string environmentName, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var zone = await ZoneAsync(projectId, cancellationToken);
        var schedule = await schedules.FindAsync(environment.Id, cancellationToken);
        AccessGuard.Enforce(CheckCanEdit(environment, roles, schedule));
        if (schedule is not null)
        {
            await schedules.DeleteAsync(environment.Id, cancellationToken);
        }

        return View(environment, roles, zone, null);
    }

    /// <summary>The next runs an expression would make in the project's zone, for the editor to show while it is typed.</summary>
    public (IReadOnlyList<DateTimeOffset> Runs, Refusal? Problem) Preview(string? cron, TimeZoneInfo zone)
    {
        var now = time.GetUtcNow();
        var (expression, problem) = ScheduleRules.Check(cron, zone, now);
        return expression is null ? ([], problem) : (ScheduleRules.NextRuns(expression, zone, now), null);
    }

    private ScheduleView View(ProjectEnvironment environment, EffectiveRoles roles, TimeZoneInfo zone, SnapshotSchedule? schedule)
    {
        var runs = schedule is not null && ScheduleRules.Parse(schedule.Cron).Cron is { } cron
            ? ScheduleRules.NextRuns(cron, zone, time.GetUtcNow())
            : [];
        return new ScheduleView(environment, zone, schedule, runs, CheckCanEdit(environment, roles, schedule));
    }

    private static Refusal? CheckCanEdit(ProjectEnvironment environment, EffectiveRoles roles, SnapshotSchedule? schedule) =>
        SnapshotRules.CheckAdmin(roles, environment.Type, "schedule snapshots")
        ?? SnapshotRules.CheckEnvironmentAllowsSnapshots(environment)
        ?? (schedule is { Declared: true }
            ? new Refusal(RefusalCode.ScheduleDeclared, $"The schedule of {environment.Name} is declared in Portal's configuration; change it there.")
            : null);

    private async Task<TimeZoneInfo> ZoneAsync(string projectId, CancellationToken cancellationToken) =>
        ScheduleRules.FindZone((await projects.FindProjectAsync(projectId, cancellationToken))?.TimeZone) ?? TimeZoneInfo.Utc;
}
