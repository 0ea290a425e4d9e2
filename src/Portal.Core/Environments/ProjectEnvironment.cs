namespace Portal.Core.Environments;

/// <summary>An environment is a git branch of a project with its own persistent services.</summary>
public sealed class ProjectEnvironment
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public required string ProjectId { get; init; }

    /// <summary>The git branch name, unique within a project (e.g. <c>develop-branch</c>).</summary>
    public required string Name { get; init; }
    public required string Title { get; set; }
    public string? ParentName { get; set; }
    public EnvironmentType Type { get; set; }
    public EnvironmentPlan Plan { get; set; }
    public EnvironmentStatus Status { get; set; } = EnvironmentStatus.Active;

    /// <summary>Why Portal set a status the user did not ask for ("finishing an interrupted restore"); null otherwise.</summary>
    public string? StatusReason { get; set; }

    /// <summary>Runs before a safe (non-live) snapshot, e.g. to enable a maintenance mode.</summary>
    public string? PreSnapshotCommand { get; set; }

    /// <summary>Runs after a safe snapshot, even when the capture failed.</summary>
    public string? PostSnapshotCommand { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
    public List<EnvironmentService> Services { get; init; } = [];

    /// <summary>A copy with another status, for views that follow live status changes without reloading (services are shared, not copied).</summary>
    public ProjectEnvironment WithStatus(EnvironmentStatus status, string? reason = null)
    {
        var copy = (ProjectEnvironment)MemberwiseClone();
        copy.Status = status;
        copy.StatusReason = reason;
        return copy;
    }
}
