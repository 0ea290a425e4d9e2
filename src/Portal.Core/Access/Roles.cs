namespace Portal.Core.Access;

using Portal.Core.Environments;

public enum ProjectRole
{
    Viewer,
    Admin,
}

public enum EnvironmentRole
{
    Viewer,
    Contributor,
    Admin,
}

public sealed class PortalUser
{
    public required string Id { get; init; }
    public required string DisplayName { get; set; }
    public string? Email { get; set; }
}

/// <summary>A user's role on a whole project (admin acts as admin everywhere).</summary>
public sealed class ProjectAccess
{
    public required string ProjectId { get; init; }
    public required string UserId { get; init; }
    public ProjectRole Role { get; set; }
}

/// <summary>A user's role on every environment of one type within a project.</summary>
public sealed class EnvironmentTypeAccess
{
    public required string ProjectId { get; init; }
    public required string UserId { get; init; }
    public EnvironmentType EnvironmentType { get; init; }
    public EnvironmentRole Role { get; set; }
}
