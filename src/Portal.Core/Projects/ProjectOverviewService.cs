namespace Portal.Core.Projects;

using Microsoft.Extensions.Options;
using Portal.Core.Access;
using Portal.Core.Alerts;
using Portal.Core.Common;
using Portal.Core.Schedules;
using Portal.Core.Snapshots;

/// <summary>The projects page and the project overview, each in a fixed number of queries however many environments there are.</summary>
public sealed class ProjectOverviewService(
    AccessGuard guard,
    IProjectRepository projects,
    ISnapshotRepository snapshots,
    IActivityRepository activities,
    IUserAccessRepository access,
    IScheduleRepository schedules,
    IAlertRepository alerts,
    IOptions<SnapshotOptions> snapshotOptions,
    TimeProvider time)
{
    /// <summary>Every project the actor has a role on, ordered by title.</summary>
    public async Task<IReadOnlyList<ProjectSummary>> ListAsync(Actor actor, CancellationToken cancellationToken)
    {
        var roles = await projects.GetRolesByProjectAsync(actor.UserId, cancellationToken);
        if (roles.Count == 0)
        {
            return [];
        }

        var ids = roles.Keys.ToList();
        var all = await projects.ListProjectsAsync(cancellationToken);
        var environments = await projects.ListEnvironmentsWithoutServicesAsync(ids, cancellationToken);
        var lastSnapshots = await snapshots.LastSnapshotTimesAsync(ids, cancellationToken);
        var lastActivities = await activities.LastActivitiesAsync(ids, cancellationToken);
        return ProjectOverviews.Summaries(all, roles, environments, lastSnapshots, lastActivities);
    }

    /// <summary>The project's environments the actor may see; unknown or hidden projects answer not found, as everywhere.</summary>
    public async Task<ProjectOverview> GetAsync(Actor actor, string projectId, CancellationToken cancellationToken)
    {
        var roles = await guard.RequireProjectAsync(actor, projectId, cancellationToken);
        var project = await projects.FindProjectAsync(projectId, cancellationToken)
            ?? throw new PortalRefusedException(new Refusal(RefusalCode.ProjectNotFound, $"Project {Refusal.Quote(projectId)} was not found."));
        string[] ids = [projectId];
        var environments = await projects.ListEnvironmentsWithoutServicesAsync(ids, cancellationToken);
        var lastSnapshots = await snapshots.LastSnapshotTimesAsync(ids, cancellationToken);
        var lastActivities = await activities.LastActivitiesAsync(ids, cancellationToken);
        var members = roles.ProjectRole == ProjectRole.Admin ? await access.ListMembersAsync(projectId, cancellationToken) : null;
        var scheduled = await schedules.ListAsync(ids, cancellationToken);
        var zone = ScheduleRules.FindZone(project.TimeZone) ?? TimeZoneInfo.Utc;
        var now = time.GetUtcNow();
        var openAlerts = await alerts.CountOpenAsync(ids, cancellationToken);
        var retention = snapshotOptions.Value;
        var rows = ProjectOverviews.Rows(environments, roles, lastSnapshots, lastActivities,
            (environment, last) => ScheduleState.Of(scheduled.GetValueOrDefault(environment.Id), zone, last, now),
            environment => Summary(retention.Retention.For(environment.Type), retention.RetentionDays), openAlerts);
        return new ProjectOverview(project, roles, rows, members);
    }

    private static RetentionSummary Summary(RetentionPolicy policy, int defaultManualDays) =>
        new(policy.Describe(defaultManualDays), policy.DescribeInWords(defaultManualDays));
}
