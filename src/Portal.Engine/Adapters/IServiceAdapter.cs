namespace Portal.Engine.Adapters;

using Portal.Contracts;
using Portal.Engine.Manifests;

/// <summary>The previous snapshot's record of the same service, and when that capture started (for racy-mtime checks).</summary>
internal sealed record PreviousCapture(ManifestService Service, DateTimeOffset StartedAt);

/// <summary>Captures one kind of service into the store and restores it from there.</summary>
internal interface IServiceAdapter
{
    ServiceKind Kind { get; }

    /// <summary>
    /// Checks, without changing anything, that the service can be snapshotted here (the folder or file exists, the client
    /// tools are installed, the server answers, the user holds the rights); returns why not in words an admin can act on, or null.
    /// </summary>
    Task<string?> CheckAsync(ServiceSpec spec, CancellationToken cancellationToken);

    Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context);

    /// <summary>Rejects a manifest entry that cannot be restored safely into target; runs before anything is changed.</summary>
    void CheckRestorable(ManifestService entry, ServiceSpec target);

    /// <summary>Uncompressed bytes the restore will write, for progress.</summary>
    long RestoreSize(ManifestService entry) => entry.Size;

    /// <summary>
    /// The first, non-destructive half of a restore: everything it reads is verified and the target is not touched yet.
    /// Adapters that can build the new state beside the old (a sibling folder, a staging database) do so here, reading
    /// each object once; the others verify their objects now and load them on commit (<see cref="LoadOnCommit"/>).
    /// </summary>
    Task<IPreparedRestore> PrepareRestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context);
}

/// <summary>A service ready to be restored; disposing it without committing removes whatever was staged.</summary>
internal interface IPreparedRestore : IAsyncDisposable
{
    /// <summary>The destructive half; runs only once every service of the restore has prepared successfully.</summary>
    Task CommitAsync(EngineContext context);

    /// <summary>A mount as written, with its new files' inodes, so the next capture can reuse them unread; null for the others.</summary>
    ManifestService? Restored => null;
}

/// <summary>For adapters that cannot stage: the objects are verified on prepare, the load runs on commit.</summary>
internal sealed class LoadOnCommit(Func<EngineContext, Task> load) : IPreparedRestore
{
    public static async Task<IPreparedRestore> AfterVerifyingAsync(ManifestService entry, EngineContext context, Func<EngineContext, Task> load)
    {
        await context.VerifyAsync(entry.Chunks ?? [], entry.Name);
        return new LoadOnCommit(load);
    }

    public Task CommitAsync(EngineContext context) => load(context);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal static class ServiceEntries
{
    /// <summary>A check answers within this: an admin waits for it, and a server that takes longer is not usable for a snapshot anyway.</summary>
    public static readonly TimeSpan CheckConnectTimeout = TimeSpan.FromSeconds(5);

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
