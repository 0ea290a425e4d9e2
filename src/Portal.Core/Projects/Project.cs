namespace Portal.Core.Projects;

using Portal.Core.Environments;

/// <summary>A project groups the environments (git branches) of one shop.</summary>
public sealed class Project
{
    public required string Id { get; init; }
    public required string Title { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public List<ProjectEnvironment> Environments { get; init; } = [];
}
