namespace Portal.Core.Projects;

using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Schedules;

/// <summary>A project as the projects page lists it: only what the user may see is counted.</summary>
public sealed record ProjectSummary(
    string Id,
    string Title,
    EffectiveRoles Roles,
    int EnvironmentCount,
    DateTimeOffset? LastSnapshotAt,
    int RunningCount,
    int FailedCount);

/// <summary>
/// One environment as the project overview lists it: its last restorable snapshot, its newest activity, its schedule, the
/// retention policy of its type in words and how many alerts are open on it.
/// </summary>
public sealed record EnvironmentRow(
    ProjectEnvironment Environment, DateTimeOffset? LastSnapshotAt, LastActivity? LastActivity, ScheduleState? Schedule = null, RetentionSummary? Retention = null, int OpenAlerts = 0)
{
    /// <summary>The row after a live update of one of its activities; an update of an older activity leaves the column as it is.</summary>
    public EnvironmentRow With(ActivityUpdate update)
    {
        var row = update.EnvironmentStatus is { } status
            ? this with { Environment = Environment.WithStatus(status, update.EnvironmentStatusReason) }
            : this;
        return row.LastActivity?.Id == update.ActivityId ? row with { LastActivity = row.LastActivity.With(update) } : row;
    }
}

/// <summary>An environment type's retention policy, short for the column ("manual 7 d · auto 24h 7d 4w 3m") and in words.</summary>
public sealed record RetentionSummary(string Short, string InWords);

/// <summary>The project overview: every environment the user may see; the members only for project admins.</summary>
public sealed record ProjectOverview(
    Project Project,
    EffectiveRoles Roles,
    IReadOnlyList<EnvironmentRow> Environments,
    IReadOnlyList<UserAccessEntry>? Members)
{
    public bool IsProjectAdmin => Roles.ProjectRole == ProjectRole.Admin;
}

/// <summary>How the overviews are put together from the rows the repositories read; no I/O, so it is tested on its own.</summary>
public static class ProjectOverviews
{
    public static IReadOnlyList<EnvironmentRow> Rows(
        IEnumerable<ProjectEnvironment> environments,
        EffectiveRoles roles,
        IReadOnlyDictionary<Guid, DateTimeOffset> lastSnapshots,
        IReadOnlyDictionary<Guid, LastActivity> lastActivities,
        Func<ProjectEnvironment, DateTimeOffset?, ScheduleState?>? schedule = null,
        Func<ProjectEnvironment, RetentionSummary>? retention = null,
        IReadOnlyDictionary<Guid, int>? openAlerts = null) =>
        [.. environments
            .Where(e => roles.RoleOn(e.Type) is not null)
            .OrderBy(e => e.Type).ThenBy(e => e.Name, StringComparer.Ordinal)
            .Select(e =>
            {
                DateTimeOffset? last = lastSnapshots.TryGetValue(e.Id, out var at) ? at : null;
                return new EnvironmentRow(e, last, lastActivities.GetValueOrDefault(e.Id), schedule?.Invoke(e, last), retention?.Invoke(e),
                    openAlerts?.GetValueOrDefault(e.Id) ?? 0);
            })];

    /// <summary>Each project with a role, titled and ordered as stored, summarising only the environments its roles show.</summary>
    public static IReadOnlyList<ProjectSummary> Summaries(
        IEnumerable<Project> projects,
        IReadOnlyDictionary<string, EffectiveRoles> roles,
        IEnumerable<ProjectEnvironment> environments,
        IReadOnlyDictionary<Guid, DateTimeOffset> lastSnapshots,
        IReadOnlyDictionary<Guid, LastActivity> lastActivities)
    {
        var byProject = environments.ToLookup(e => e.ProjectId, StringComparer.Ordinal);
        return [.. projects
            .Where(p => roles.TryGetValue(p.Id, out var r) && r.HasAnyRole)
            .Select(p =>
            {
                var rows = Rows(byProject[p.Id], roles[p.Id], lastSnapshots, lastActivities);
                return new ProjectSummary(p.Id, p.Title, roles[p.Id], rows.Count,
                    rows.Max(r => r.LastSnapshotAt),
                    rows.Count(r => r.LastActivity?.IsRunning == true),
                    rows.Count(r => r.LastActivity?.Failed == true));
            })];
    }
}
