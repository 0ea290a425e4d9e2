namespace Portal.Engine.Adapters;

using Portal.Engine.Manifests;

/// <summary>The previous snapshot's record of the same service, and when that capture started (for racy-mtime checks).</summary>
internal sealed record PreviousCapture(ManifestService Service, DateTimeOffset StartedAt);

/// <summary>Captures one kind of service into the store and restores it from there.</summary>
internal interface IServiceAdapter
{
    ServiceKind Kind { get; }

    Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context);

    /// <summary>Rejects a manifest entry that cannot be restored safely into target; runs before anything is changed.</summary>
    void CheckRestorable(ManifestService entry, ServiceSpec target);

    /// <summary>Uncompressed bytes the restore will write, for progress.</summary>
    long RestoreSize(ManifestService entry) => entry.Size;

    Task RestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context);
}

internal static class ServiceEntries
{
    /// <summary>A dump-based entry without chunks cannot be restored; say so before anything is dropped.</summary>
    public static IReadOnlyList<ChunkRef> RequireChunks(ManifestService entry, string what) =>
        entry.Chunks ?? throw new SnapshotCorruptException($"The snapshot's {what} '{entry.Name}' has no content.");

    /// <summary>Parses a service's connection string, turning the driver's ArgumentException into a sentence for the user.</summary>
    public static T ParseLocation<T>(ServiceSpec spec, string kind, Func<string, T> parse)
    {
        try
        {
            return parse(spec.Location);
        }
        catch (ArgumentException ex)
        {
            throw new SnapshotEngineException($"{kind} service '{spec.Name}': the connection string is invalid: {ex.Message}", ex);
        }
    }
}
