namespace Portal.Core.Projects;

using Portal.Core.Environments;

/// <summary>A project groups the environments (git branches) of one shop.</summary>
public sealed class Project
{
    public required string Id { get; init; }
    public required string Title { get; set; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The IANA time zone its schedules are read in (e.g. <c>Europe/Berlin</c>); UTC unless declared.</summary>
    public string TimeZone { get; set; } = "UTC";
    public List<ProjectEnvironment> Environments { get; init; } = [];
}
