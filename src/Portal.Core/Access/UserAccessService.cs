namespace Portal.Core.Access;

using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>One user's roles on one project, as the User access page lists them.</summary>
public sealed record UserAccessEntry(
    string UserId, string DisplayName, string? Email, ProjectRole? ProjectRole, IReadOnlyDictionary<EnvironmentType, EnvironmentRole> TypeRoles)
{
    public EffectiveRoles Effective => new(ProjectRole, TypeRoles);
}

/// <summary>Who signed in, as the identity provider describes them.</summary>
public sealed record ExternalIdentity(string UserId, string DisplayName, string? Email);

/// <summary>A role an identity provider's claim grants (see <see cref="RoleMapping"/>): a project role, or a role on one environment type.</summary>
public sealed record RoleGrant(string ProjectId, ProjectRole? ProjectRole, EnvironmentType? EnvironmentType, EnvironmentRole? EnvironmentRole);

/// <summary>Users and their access rows; written only through <see cref="UserAccessService"/>.</summary>
public interface IUserAccessRepository
{
    Task<PortalUser?> FindUserAsync(string userId, CancellationToken cancellationToken);

    /// <summary>The project's members (users with a project role or a role on an environment type of it) with their roles.</summary>
    Task<IReadOnlyList<UserAccessEntry>> ListMembersAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>The users whose id is exactly <paramref name="userIdOrEmail"/> or whose e-mail is it (ignoring case); at most two.</summary>
    Task<IReadOnlyList<PortalUser>> FindByIdOrEmailAsync(string userIdOrEmail, CancellationToken cancellationToken);

    /// <summary>Sets (or with null removes) a user's role on every environment of a type; returns the previous role.</summary>
    Task<EnvironmentRole?> SetEnvironmentRoleAsync(string projectId, string userId, EnvironmentType type, EnvironmentRole? role, CancellationToken cancellationToken);

    /// <summary>Sets (or with null removes) a user's project role; returns the previous role.</summary>
    Task<ProjectRole?> SetProjectRoleAsync(string projectId, string userId, ProjectRole? role, CancellationToken cancellationToken);

    /// <summary>Creates or updates the user, then applies the grants in one transaction; with <paramref name="replaceOnProjects"/>, rows on those projects that no grant names are removed.</summary>
    Task UpsertSignInAsync(ExternalIdentity identity, IReadOnlyList<RoleGrant> grants, IReadOnlyCollection<string> replaceOnProjects, CancellationToken cancellationToken);
}

/// <summary>
/// The User access page and sign-in: lists and changes roles (project admins only, each change recorded in the feed)
/// and applies the roles an identity provider grants when someone signs in.
/// </summary>
public sealed class UserAccessService(
    AccessGuard guard,
    IUserAccessRepository access,
    IProjectRepository projects,
    ActivityFeedService feed,
    IUserSessionStore sessions)
{
    /// <summary>An e-mail address is at most 320 characters (and a user id 200).</summary>
    private const int MaxUserIdOrEmailLength = 320;

    /// <summary>
    /// The project's members and their roles. Only members: the installation's other users (their names and e-mails) are
    /// none of a project admin's business; someone new is added by exact user id or e-mail (<see cref="AddMemberAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<UserAccessEntry>> ListAsync(Actor actor, string projectId, CancellationToken cancellationToken)
    {
        await RequireProjectAdminAsync(actor, projectId, "manage user access", cancellationToken);
        return await access.ListMembersAsync(projectId, cancellationToken);
    }

    /// <summary>
    /// Makes a user who signed in once a member with the project Viewer role (the least a member has; the admin then gives
    /// the roles they need). Found by their exact user id or e-mail only, so the page never lists or searches other users.
    /// </summary>
    public async Task<Activity> AddMemberAsync(Actor actor, string projectId, string? userIdOrEmail, CancellationToken cancellationToken)
    {
        await RequireProjectAdminAsync(actor, projectId, "change user access", cancellationToken);
        var wanted = userIdOrEmail?.Trim() ?? "";
        if (wanted.Length == 0)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput, "Enter the user id or e-mail of the person to add."));
        }

        var found = PortalIds.IsPlausibleName(wanted, MaxUserIdOrEmailLength) ? await access.FindByIdOrEmailAsync(wanted, cancellationToken) : [];
        var user = found.FirstOrDefault(u => u.Id == wanted) ?? (found.Count == 1 ? found[0] : null);
        if (user is null)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput, found.Count > 1
                ? $"Several users have the e-mail '{wanted}'; add the one you mean by their user id."
                : $"No Portal user has the user id or e-mail '{wanted}'. They must sign in to Portal once before they can be added."));
        }

        if ((await projects.GetRolesAsync(user.Id, projectId, cancellationToken)).HasAnyRole)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput,
                $"{user.DisplayName} is already a member of the project; change their roles in the table."));
        }

        await access.SetProjectRoleAsync(projectId, user.Id, ProjectRole.Viewer, cancellationToken);
        return await RecordAsync(actor, projectId, Describe(actor, user, "the project", Name<ProjectRole>(null), Name<ProjectRole>(ProjectRole.Viewer)), cancellationToken);
    }

    /// <summary>A known user, for the local (Development) sign-in; null when Portal has never seen them.</summary>
    public Task<PortalUser?> FindUserAsync(string userId, CancellationToken cancellationToken) =>
        access.FindUserAsync(userId, cancellationToken);

    /// <summary>The actor's own roles on a project, for showing who they are; nothing here grants anything.</summary>
    public Task<EffectiveRoles> MyRolesAsync(Actor actor, string projectId, CancellationToken cancellationToken) =>
        projects.GetRolesAsync(actor.UserId, projectId, cancellationToken);

    /// <summary>Whether the actor may open the User access page (project admins only); false also when the project is hidden.</summary>
    public async Task<bool> CanManageAsync(Actor actor, string projectId, CancellationToken cancellationToken) =>
        (await projects.GetRolesAsync(actor.UserId, projectId, cancellationToken)).ProjectRole == ProjectRole.Admin;

    public async Task<Activity?> SetEnvironmentRoleAsync(
        Actor actor, string projectId, string userId, EnvironmentType type, EnvironmentRole? role, CancellationToken cancellationToken)
    {
        await RequireProjectAdminAsync(actor, projectId, "change user access", cancellationToken);
        var user = await RequireUserAsync(userId, cancellationToken);
        var previous = await access.SetEnvironmentRoleAsync(projectId, userId, type, role, cancellationToken);
        if (previous == role)
        {
            return null;
        }

        await EndSessionsIfNoRoleLeftAsync(projectId, userId, cancellationToken);
        var scope = $"{type.ToApiName()} environments";
        return await RecordAsync(actor, projectId, Describe(actor, user, scope, Name(previous), Name(role)), cancellationToken);
    }

    public async Task<Activity?> SetProjectRoleAsync(Actor actor, string projectId, string userId, ProjectRole? role, CancellationToken cancellationToken)
    {
        await RequireProjectAdminAsync(actor, projectId, "change user access", cancellationToken);
        var user = await RequireUserAsync(userId, cancellationToken);
        if (userId == actor.UserId && role != ProjectRole.Admin)
        {
            // Otherwise the last admin could lock everyone out of the project's access page.
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput,
                "You cannot remove your own Admin role on the project; ask another project admin."));
        }

        var previous = await access.SetProjectRoleAsync(projectId, userId, role, cancellationToken);
        if (previous == role)
        {
            return null;
        }

        await EndSessionsIfNoRoleLeftAsync(projectId, userId, cancellationToken);
        return await RecordAsync(actor, projectId, Describe(actor, user, "the project", Name(previous), Name(role)), cancellationToken);
    }

    /// <summary>
    /// Ends every session of a project member (all their browsers, on every node) at their next request, e.g. for a lost laptop;
    /// they keep their roles and may sign in again. Project admins only, and only for the project's members.
    /// </summary>
    public async Task<Activity> SignOutEverywhereAsync(Actor actor, string projectId, string userId, CancellationToken cancellationToken)
    {
        await RequireProjectAdminAsync(actor, projectId, "sign members out", cancellationToken);
        var user = PortalIds.IsPlausibleName(userId, MaxUserIdOrEmailLength) ? await access.FindUserAsync(userId, cancellationToken) : null;
        if (user is null || !(await projects.GetRolesAsync(userId, projectId, cancellationToken)).HasAnyRole)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.MemberNotFound,
                $"User {Refusal.Quote(userId)} is not a member of project {Refusal.Quote(projectId)}."));
        }

        var ended = await sessions.EndAllAsync(userId, cancellationToken);
        var count = ended == 1 ? "1 session" : $"{ended} sessions";
        return await RecordAsync(actor, projectId, $"{actor.DisplayName} signed {user.DisplayName} out everywhere ({count} ended)", cancellationToken);
    }

    // Someone who is no longer a member must not keep browsing on a session from before.
    private async Task EndSessionsIfNoRoleLeftAsync(string projectId, string userId, CancellationToken cancellationToken)
    {
        if (!(await projects.GetRolesAsync(userId, projectId, cancellationToken)).HasAnyRole)
        {
            await sessions.EndAllAsync(userId, cancellationToken);
        }
    }

    /// <summary>Called once per sign-in: creates or updates the user and applies the roles their identity provider grants.</summary>
    public Task ApplySignInAsync(ExternalIdentity identity, IReadOnlyList<RoleGrant> grants, bool replaceMappedProjects,
        IReadOnlyCollection<string> mappedProjects, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(identity.UserId))
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput, "The identity provider sent no user id."));
        }

        var merged = grants
            .GroupBy(g => (g.ProjectId, g.EnvironmentType))
            .Select(g => g.OrderByDescending(x => x.ProjectRole.HasValue ? (int)x.ProjectRole.Value : (int)(x.EnvironmentRole ?? 0)).First())
            .ToList();
        return access.UpsertSignInAsync(identity, merged, replaceMappedProjects ? mappedProjects : [], cancellationToken);
    }

    private async Task RequireProjectAdminAsync(Actor actor, string projectId, string toDoWhat, CancellationToken cancellationToken)
    {
        var roles = await guard.RequireProjectAsync(actor, projectId, cancellationToken);
        if (roles.ProjectRole != ProjectRole.Admin)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.MissingRole,
                $"You need the Admin role on the project to {toDoWhat}; your project role is {Name(roles.ProjectRole)}."));
        }
    }

    private async Task<PortalUser> RequireUserAsync(string userId, CancellationToken cancellationToken) =>
        await access.FindUserAsync(userId, cancellationToken)
        ?? throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput, $"User '{userId}' is not known to Portal; they must sign in once first."));

    /// <summary>
    /// Activities belong to an environment; a project-wide change is recorded on the project's root environment
    /// (the production environment without a parent, e.g. master), where the project's history starts.
    /// </summary>
    private async Task<Activity> RecordAsync(Actor actor, string projectId, string text, CancellationToken cancellationToken)
    {
        var environments = await projects.ListEnvironmentsAsync(projectId, cancellationToken);
        var root = RootEnvironment(environments) ?? throw new PortalRefusedException(new Refusal(RefusalCode.EnvironmentNotFound,
            $"Project '{projectId}' has no environment to record the change on."));
        return await feed.RecordOwnAsync(actor, root, ActivityTypes.AccessChange, text, cancellationToken);
    }

    public static ProjectEnvironment? RootEnvironment(IEnumerable<ProjectEnvironment> environments)
    {
        var list = environments.ToList();
        var names = list.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        return list
            .Where(e => e.ParentName is null || !names.Contains(e.ParentName))
            .OrderBy(e => e.Type)
            .ThenBy(e => e.CreatedAt)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static string Describe(Actor actor, PortalUser user, string scope, string from, string to) => to == "none"
        ? $"{actor.DisplayName} removed {user.DisplayName}'s {from} role on {scope}"
        : from == "none"
            ? $"{actor.DisplayName} gave {user.DisplayName} the {to} role on {scope}"
            : $"{actor.DisplayName} changed {user.DisplayName}'s role on {scope} from {from} to {to}";

    private static string Name<T>(T? role)
        where T : struct, Enum => role is { } value ? value.ToString().ToLowerInvariant() : "none";
}
