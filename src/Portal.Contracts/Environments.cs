namespace Portal.Contracts;

public sealed record ProjectDto(string Id, string Title);

public sealed record EnvironmentDto(
    string Name, string Title, string? Parent, string Type, string Plan, string Status, string? StatusReason,
    bool CanSnapshot, string? CannotSnapshotReason, DateTimeOffset? LastSnapshotAt, IReadOnlyList<ServiceDto> Services,
    IReadOnlyList<string> ServiceProblems);

public sealed record ServiceDto(string Name, string Kind);
