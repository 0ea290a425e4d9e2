namespace Portal.Core.Environments;

using Portal.Contracts;

/// <summary>One persistent service of an environment: a database, a Redis store or a mounted folder.</summary>
public sealed class EnvironmentService
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public Guid EnvironmentId { get; init; }
    public ServiceKind Kind { get; init; }

    /// <summary>Name shown to users and used in snapshot manifests (e.g. <c>pub/media</c>, <c>database</c>).</summary>
    public required string Name { get; init; }

    /// <summary>A folder for mounts, a file for SQLite, a connection string for servers.</summary>
    public required string Location { get; set; }
}
