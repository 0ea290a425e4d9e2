namespace Portal.Core.Access;

using Portal.Core.Environments;

/// <summary>
/// One line of <c>Access:RoleMappings</c>: an app role or group id from the identity provider's token, and the Portal
/// role it grants — either a project role, or a role on one environment type of the project.
/// </summary>
public sealed class RoleMapping
{
    /// <summary>The claim value: an Entra app role value ("Portal.Admin"), a group object id, or an OIDC role/group name.</summary>
    public string Claim { get; set; } = "";

    public string Project { get; set; } = "";

    /// <summary>Admin or Viewer on the whole project; leave empty for an environment type role.</summary>
    public ProjectRole? ProjectRole { get; set; }

    /// <summary>production, staging or development; with <see cref="Role"/>.</summary>
    public EnvironmentType? EnvironmentType { get; set; }

    /// <summary>Admin, Contributor or Viewer on <see cref="EnvironmentType"/> environments.</summary>
    public EnvironmentRole? Role { get; set; }

    /// <summary>Null when the line is usable, else what is wrong with it, naming the setting under <paramref name="at"/> (e.g. Access:RoleMappings:0).</summary>
    public string? Problem(string at)
    {
        var oneKind = ProjectRole is not null ? EnvironmentType is null && Role is null : EnvironmentType is not null && Role is not null;
        return string.IsNullOrWhiteSpace(Claim) ? $"{at}:Claim is required (an app role value, group id or role name from the token)"
            : !Common.PortalIds.IsWellFormed(Project) ? $"{at}:Project must be a project id: lowercase letters, digits and '-' (got \"{Project}\")"
            : ProjectRole is { } project && !Enum.IsDefined(project) ? $"{at}:ProjectRole must be Admin or Viewer (got {project})"
            : EnvironmentType is { } type && !Enum.IsDefined(type) ? $"{at}:EnvironmentType must be {string.Join(", ", Enum.GetNames<EnvironmentType>())} (got {type})"
            : Role is { } role && !Enum.IsDefined(role) ? $"{at}:Role must be {string.Join(", ", Enum.GetNames<EnvironmentRole>())} (got {role})"
            : oneKind ? null
            : $"{at} must set either ProjectRole, or EnvironmentType and Role";
    }

    public RoleGrant ToGrant() => ProjectRole is { } projectRole
        ? new RoleGrant(Project, projectRole, null, null)
        : new RoleGrant(Project, null, EnvironmentType, Role);

    /// <summary>The grants a token's claim values earn; claim values compare exactly (group ids and role values are case-sensitive).</summary>
    public static IReadOnlyList<RoleGrant> Resolve(IEnumerable<RoleMapping> mappings, IEnumerable<string> claimValues)
    {
        var values = claimValues.ToHashSet(StringComparer.Ordinal);
        return [.. mappings.Where(m => m.Problem(nameof(RoleMapping)) is null && values.Contains(m.Claim)).Select(m => m.ToGrant())];
    }
}
