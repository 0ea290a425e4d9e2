namespace Portal.Engine.Adapters.Mounts;

using Portal.Contracts;
using Portal.Engine.Manifests;

/// <summary>
/// A folder tree kept as the filesystem has it: names as bytes, regular files (holes kept), folders (empty ones too),
/// symlinks (never followed), hard links, FIFOs, owners, modes, nanosecond mtimes and extended attributes (ACLs included).
/// Sockets and device nodes are left out with a warning. See <see cref="MountCapture"/> and <see cref="MountRestore"/>.
/// </summary>
internal sealed class MountAdapter : IServiceAdapter
{
    public ServiceKind Kind => ServiceKind.Mount;

    public Task<string?> CheckAsync(ServiceSpec spec, CancellationToken cancellationToken) =>
        Task.FromResult(Directory.Exists(spec.Location) ? null : $"Mount '{spec.Name}': the folder {spec.Location} does not exist.");

    public Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context) =>
        Task.Run(() => Capture(spec, previous, context), context.CancellationToken);

    public void CheckRestorable(ManifestService entry, ServiceSpec target)
    {
        if (entry.Mount is null)
        {
            throw new SnapshotCorruptException($"The snapshot's mount '{entry.Name}' has no file list.");
        }

        MountPaths.Validate(entry.Name, entry.Mount);
        _ = Root(target);
    }

    /// <summary>What the restore reads and writes: file data, not the holes of sparse files.</summary>
    public long RestoreSize(ManifestService entry) => entry.Mount?.Entries.Sum(e => e.DataSize()) ?? entry.Size;

    /// <summary>Builds the whole tree in a sibling folder, verifying every object as it is written; commit swaps it in.</summary>
    public Task<IPreparedRestore> PrepareRestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context) =>
        Task.Run(() => MountRestore.Prepare(entry, Root(target), context), context.CancellationToken);

    private static ManifestService Capture(ServiceSpec spec, PreviousCapture? previous, EngineContext context)
    {
        var root = Root(spec);
        MountSwap.Recover(root, context.Removals);
        if (!Directory.Exists(root))
        {
            throw new SnapshotEngineException($"Mount '{spec.Name}': folder {root} does not exist.");
        }

        return MountCapture.Run(spec, root, previous, context);
    }

    private static string Root(ServiceSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Location))
        {
            throw new SnapshotEngineException($"Mount '{spec.Name}' has no folder path.");
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(spec.Location));
        // A mount configured as a symlink (e.g. pub/media -> shared storage) is captured and swapped where it points.
        if (Posix.Exists(root) && Posix.LStat(root).IsSymlink)
        {
            root = Directory.ResolveLinkTarget(root, returnFinalTarget: true)?.FullName ?? root;
        }

        _ = MountSwap.Split(root);
        return root;
    }
}
