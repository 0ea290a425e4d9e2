namespace Portal.Core.Access;

using Portal.Core.Environments;

/// <summary>A user's roles on one project, resolved: project admins act as admin everywhere.</summary>
public sealed record EffectiveRoles(ProjectRole? ProjectRole, IReadOnlyDictionary<EnvironmentType, EnvironmentRole> TypeRoles)
{
    public static readonly EffectiveRoles None = new(null, new Dictionary<EnvironmentType, EnvironmentRole>());

    /// <summary>What Portal itself may do on every project it has: act as its admin (a schedule its admins set, a sweep).</summary>
    public static readonly EffectiveRoles System = new(Access.ProjectRole.Admin, new Dictionary<EnvironmentType, EnvironmentRole>());

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
