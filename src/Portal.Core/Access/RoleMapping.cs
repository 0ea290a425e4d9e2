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

    /// <summary>Null when the line is usable, else what is wrong with it (shown at start-up).</summary>
    public string? Problem()
    {
        var typeRole = EnvironmentType is not null && Role is not null;
        return string.IsNullOrWhiteSpace(Claim) ? "a mapping has an empty Claim"
            : string.IsNullOrWhiteSpace(Project) ? $"the mapping for '{Claim}' names no Project"
            : (ProjectRole is not null) != typeRole ? null
            : $"the mapping for '{Claim}' must set either ProjectRole, or EnvironmentType and Role";
    }

    public RoleGrant ToGrant() => ProjectRole is { } projectRole
        ? new RoleGrant(Project, projectRole, null, null)
        : new RoleGrant(Project, null, EnvironmentType, Role);

    /// <summary>The grants a token's claim values earn; claim values compare exactly (group ids and role values are case-sensitive).</summary>
    public static IReadOnlyList<RoleGrant> Resolve(IEnumerable<RoleMapping> mappings, IEnumerable<string> claimValues)
    {
        var values = claimValues.ToHashSet(StringComparer.Ordinal);
        return [.. mappings.Where(m => m.Problem() is null && values.Contains(m.Claim)).Select(m => m.ToGrant())];
    }
}
