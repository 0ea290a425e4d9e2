namespace Portal.Core.Access;

using Portal.Core.Environments;

/// <summary>A user's roles on one project, resolved: project admins act as admin everywhere.</summary>
public sealed record EffectiveRoles(ProjectRole? ProjectRole, IReadOnlyDictionary<EnvironmentType, EnvironmentRole> TypeRoles)
{
    public static readonly EffectiveRoles None = new(null, new Dictionary<EnvironmentType, EnvironmentRole>());

    public bool HasAnyRole => ProjectRole is not null || TypeRoles.Count > 0;

    public EnvironmentRole? RoleOn(EnvironmentType type)
    {
        if (ProjectRole == Access.ProjectRole.Admin)
        {
            return EnvironmentRole.Admin;
        }

        if (TypeRoles.TryGetValue(type, out var role))
        {
            return role;
        }

        // A project viewer sees every environment unless a type role says more.
        return ProjectRole == Access.ProjectRole.Viewer ? EnvironmentRole.Viewer : null;
    }
}
