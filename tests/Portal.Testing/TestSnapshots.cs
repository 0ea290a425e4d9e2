namespace Portal.Testing;

using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

public static class TestSnapshots
{
    /// <summary>A finished, restorable snapshot row of an environment, as the worker leaves one after a successful capture (no data in the store).</summary>
    public static Snapshot Created(ProjectEnvironment environment, DateTimeOffset createdAt, string createdBy, long size = 40 * 1024 * 1024, bool safe = true) => new()
    {
        Id = PortalIds.New(),
        ProjectId = environment.ProjectId,
        EnvironmentId = environment.Id,
        EnvironmentName = environment.Name,
        Status = SnapshotStatus.Created,
        Safe = safe,
        CreatedAt = createdAt,
        CompletedAt = createdAt.AddSeconds(30),
        ExpiresAt = createdAt.AddDays(7),
        SizeOfDatabases = size / 4,
        SizeOfVolumes = size - (size / 4),
        SizeStored = size / 2,
        CreatedBy = createdBy,
        ActivityId = PortalIds.New(),
    };
}
