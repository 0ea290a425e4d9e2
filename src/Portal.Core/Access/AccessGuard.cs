namespace Portal.Core.Access;

using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>Resolves what an actor asks for and whether they may see it; shared by every application service.</summary>
public sealed class AccessGuard(IProjectRepository projects)
{
    /// <summary>The longest project id and environment name Portal stores.</summary>
    public const int MaxProjectIdLength = 64;
    public const int MaxEnvironmentNameLength = 128;

    /// <summary>Users without any role on a project do not see it: it answers as not found.</summary>
    public async Task<EffectiveRoles> RequireProjectAsync(Actor actor, string projectId, CancellationToken cancellationToken)
    {
        var project = PortalIds.IsPlausibleName(projectId, MaxProjectIdLength)
            ? await projects.FindProjectAsync(projectId, cancellationToken)
            : null;
        var roles = project is null ? EffectiveRoles.None
            : actor.IsSystem ? EffectiveRoles.System
            : await projects.GetRolesAsync(actor.UserId, projectId, cancellationToken);
        if (!roles.HasAnyRole)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.ProjectNotFound, $"Project {Refusal.Quote(projectId)} was not found."));
        }

        return roles;
    }

    public async Task<(ProjectEnvironment Environment, EffectiveRoles Roles)> RequireEnvironmentAsync(
        Actor actor, string projectId, string environmentName, CancellationToken cancellationToken)
    {
        var roles = await RequireProjectAsync(actor, projectId, cancellationToken);
        var environment = PortalIds.IsPlausibleName(environmentName, MaxEnvironmentNameLength)
            ? await projects.FindEnvironmentAsync(projectId, environmentName, cancellationToken)
            : null;
        if (environment is null)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.EnvironmentNotFound,
                $"Environment {Refusal.Quote(environmentName)} was not found in project '{projectId}'."));
        }

        if (roles.RoleOn(environment.Type) is null)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.MissingRole,
                $"You need a role on {environment.Type.ToApiName()} environments to view {environment.Name}."));
        }

        return (environment, roles);
    }

    public static void Enforce(Refusal? refusal)
    {
        if (refusal is not null)
        {
            throw new PortalRefusedException(refusal);
        }
    }
}
