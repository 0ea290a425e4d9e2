namespace Portal.Core.Environments;

using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Projects;
using Portal.Core.Snapshots;

/// <summary>An environment as the top pane shows it, with whether this user can take a snapshot and why not.</summary>
public sealed record EnvironmentView(
    ProjectEnvironment Environment,
    EnvironmentRole? Role,
    Refusal? CannotSnapshot,
    DateTimeOffset? LastSnapshotAt,
    IReadOnlyList<string> ServiceProblems)
{
    public bool CanSnapshot => CannotSnapshot is null;

    /// <summary>The view once an activity changed the environment's status: whether a snapshot is allowed follows it by the same rules.</summary>
    public EnvironmentView WithStatus(EnvironmentStatus status, string? reason = null)
    {
        var environment = Environment.WithStatus(status, reason);
        return this with { Environment = environment, CannotSnapshot = SnapshotRules.CheckCanSnapshotAs(environment, Role) };
    }
}

public sealed record EnvironmentNode(EnvironmentView View, IReadOnlyList<EnvironmentNode> Children);

/// <summary>Projects and the environment tree, filtered to what the actor may see.</summary>
public sealed class EnvironmentDirectory(AccessGuard guard, IProjectRepository projects, ISnapshotRepository snapshots, ServiceHealth health)
{
    /// <summary>The projects the actor has a role on, ordered by title; their roles come in one read, not one per project.</summary>
    public async Task<IReadOnlyList<Project>> ListProjectsAsync(Actor actor, CancellationToken cancellationToken)
    {
        var roles = await projects.GetRolesByProjectAsync(actor.UserId, cancellationToken);
        return roles.Count == 0
            ? []
            : [.. (await projects.ListProjectsAsync(cancellationToken)).Where(p => roles.TryGetValue(p.Id, out var r) && r.HasAnyRole)];
    }

    public async Task<EnvironmentView> GetAsync(Actor actor, string projectId, string environmentName, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var last = await snapshots.LastSnapshotTimesAsync(projectId, cancellationToken);
        return View(environment, roles, last);
    }

    /// <summary>Roots first (environments whose parent is absent or hidden), children ordered by name.</summary>
    public async Task<IReadOnlyList<EnvironmentNode>> GetTreeAsync(Actor actor, string projectId, CancellationToken cancellationToken)
    {
        var roles = await guard.RequireProjectAsync(actor, projectId, cancellationToken);
        var all = await projects.ListEnvironmentsAsync(projectId, cancellationToken);
        var last = await snapshots.LastSnapshotTimesAsync(projectId, cancellationToken);
        var visible = all.Where(e => roles.RoleOn(e.Type) is not null).ToList();
        var names = visible.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var byParent = visible.ToLookup(e => e.ParentName is { } p && names.Contains(p) ? p : null);

        IReadOnlyList<EnvironmentNode> Build(string? parent) =>
            [.. byParent[parent].OrderBy(e => e.Type).ThenBy(e => e.Name, StringComparer.Ordinal)
                .Select(e => new EnvironmentNode(View(e, roles, last), Build(e.Name)))];

        return Build(null);
    }

    private EnvironmentView View(ProjectEnvironment environment, EffectiveRoles roles, IReadOnlyDictionary<Guid, DateTimeOffset> last) =>
        new(environment,
            roles.RoleOn(environment.Type),
            SnapshotRules.CheckCanSnapshot(environment, roles),
            last.TryGetValue(environment.Id, out var at) ? at : null,
            health.ProblemsOf(environment.Id));
}
