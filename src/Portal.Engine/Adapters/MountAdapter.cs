namespace Portal.Engine.Adapters;

using System.Runtime.ExceptionServices;
using Portal.Engine.Manifests;

/// <summary>A folder tree: regular files, folders (empty ones too), symlinks (never followed), modes, owners and mtimes.</summary>
internal sealed class MountAdapter : IServiceAdapter
{
    // A file changed within this window of the previous capture's start may share its recorded mtime; read it again.
    private static readonly long RacyWindowNs = TimeSpan.FromSeconds(2).Ticks * 100;

    public ServiceKind Kind => ServiceKind.Mount;

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

    /// <summary>Builds the whole tree in a sibling folder, verifying every object as it is written; commit swaps it in.</summary>
    public Task<IPreparedRestore> PrepareRestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context) =>
        Task.Run<IPreparedRestore>(() => Build(entry, target, context), context.CancellationToken);

    private static ManifestService Capture(ServiceSpec spec, PreviousCapture? previous, EngineContext context)
    {
        var root = Root(spec);
        MountSwap.Recover(root);
        if (!Directory.Exists(root))
        {
            throw new SnapshotEngineException($"Mount '{spec.Name}': folder {root} does not exist.");
        }

        var rootStat = Posix.LStat(root);
        var found = new List<(string Relative, string Full, PosixStat Stat)>();
        Walk(root, "", found, context.CancellationToken);

        var reusable = ReusableFiles(previous, context);
        context.Progress.AddTotal(found.Where(f => f.Stat.IsRegular && !reusable.ContainsKey(f.Relative)).Sum(f => f.Stat.Size));
        context.Progress.Phase($"Capturing mount {spec.Name}");

        // Hashing and compressing are CPU-bound, so files are read on every core; entries keep the walk's order.
        var entries = new MountEntry?[found.Count];
        var parallel = new ParallelOptions { CancellationToken = context.CancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        try
        {
            Parallel.For(0, found.Count, parallel, i =>
            {
                var (relative, full, stat) = found[i];
                entries[i] = stat switch
                {
                    { IsDirectory: true } => ToEntry(relative, EntryType.Directory, stat, null, null),
                    { IsSymlink: true } => ToEntry(relative, EntryType.Symlink, stat, new FileInfo(full).LinkTarget, null),
                    _ => CaptureFile(relative, full, stat, reusable, context),
                };
            });
        }
        catch (AggregateException ex)
        {
            // Callers expect the engine's own exceptions (or IOException), not the Parallel wrapper.
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        var kept = entries.OfType<MountEntry>().ToList();
        var size = kept.Sum(e => e.Size);

        var rootEntry = ToEntry("", EntryType.Directory, rootStat, null, null);
        return new ManifestService(spec.Name, ServiceKind.Mount, size, null, new MountTree(rootEntry, kept));
    }

    /// <summary>Depth-first in ordinal order so parents precede children; symlinked folders are recorded, not entered.</summary>
    private static void Walk(string folder, string prefix, List<(string, string, PosixStat)> found, CancellationToken cancellationToken)
    {
        var names = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var full = Path.Combine(folder, name);
            var relative = prefix.Length == 0 ? name : prefix + "/" + name;
            PosixStat stat;
            try
            {
                stat = Posix.LStat(full);
            }
            catch (FileNotFoundException)
            {
                continue; // Deleted while we walked: a live capture records the tree as it is found.
            }

            // Sockets, FIFOs and device nodes are runtime artefacts, not persistent data.
            if (!stat.IsDirectory && !stat.IsRegular && !stat.IsSymlink)
            {
                continue;
            }

            found.Add((relative, full, stat));
            if (stat.IsDirectory)
            {
                Walk(full, relative, found, cancellationToken);
            }
        }
    }

    private static Dictionary<string, MountEntry> ReusableFiles(PreviousCapture? previous, EngineContext context)
    {
        var reusable = new Dictionary<string, MountEntry>(StringComparer.Ordinal);
        if (previous?.Service.Mount is not { } tree)
        {
            return reusable;
        }

        var startedNs = previous.StartedAt.ToUnixTimeMilliseconds() * 1_000_000L;
        foreach (var entry in tree.Entries)
        {
            if (entry.Type == EntryType.File && entry.Chunks is not null && entry.MTimeNs < startedNs - RacyWindowNs
                && entry.Chunks.All(c => context.Store.Exists(c.Hash)))
            {
                reusable[entry.Path] = entry;
            }
        }

        return reusable;
    }

    private static MountEntry? CaptureFile(string relative, string full, PosixStat stat, Dictionary<string, MountEntry> reusable, EngineContext context)
    {
        if (reusable.TryGetValue(relative, out var before)
            && before.Size == stat.Size && before.MTimeNs == stat.MTimeNs && before.Inode == stat.Inode && before.Device == stat.Device)
        {
            return ToEntry(relative, EntryType.File, stat, null, before.Chunks);
        }

        try
        {
            using var input = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
            using var sink = context.NewSink();
            input.CopyTo(sink, 1 << 20);
            var chunks = sink.Complete();
            return ToEntry(relative, EntryType.File, stat with { Size = sink.TotalLength }, null, chunks);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static MountEntry ToEntry(string relative, EntryType type, PosixStat stat, string? linkTarget, IReadOnlyList<ChunkRef>? chunks) =>
        new(relative, type, stat.Permissions, stat.Uid, stat.Gid, stat.MTimeNs, type == EntryType.File ? stat.Size : 0, stat.Device, stat.Inode, linkTarget, chunks);

    private static PreparedMount Build(ManifestService entry, ServiceSpec target, EngineContext context)
    {
        var tree = entry.Mount!;
        var root = Root(target);
        MountSwap.Recover(root);
        Directory.CreateDirectory(Path.GetDirectoryName(root)!);
        var built = MountSwap.NewRestoreFolder(root, Guid.NewGuid().ToString("N")[..12]);
        context.Progress.Phase($"Restoring mount {target.Name}");
        try
        {
            Directory.CreateDirectory(built);
            foreach (var folder in tree.Entries.Where(e => e.Type == EntryType.Directory))
            {
                Directory.CreateDirectory(MountPaths.Combine(built, folder.Path));
            }

            // Decompressing and rehashing are CPU-bound, so files are written on every core; their folders already exist.
            var parallel = new ParallelOptions { CancellationToken = context.CancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
            var leaves = tree.Entries.Where(e => e.Type != EntryType.Directory).OrderByDescending(e => e.Size).ToList();
            try
            {
                Parallel.ForEach(leaves, parallel, item =>
                {
                    var full = MountPaths.Combine(built, item.Path);
                    if (item.Type == EntryType.Symlink)
                    {
                        File.CreateSymbolicLink(full, item.LinkTarget!);
                        ApplyMetadata(full, item, setMode: false);
                        return;
                    }

                    WriteFile(full, item, entry.Name, context);
                    ApplyMetadata(full, item, setMode: true);
                });
            }
            catch (AggregateException ex)
            {
                ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            }

            // Folders last and deepest first: creating children changes a folder's mtime, and a read-only mode would block them.
            foreach (var folder in tree.Entries.Where(e => e.Type == EntryType.Directory).Reverse())
            {
                ApplyMetadata(MountPaths.Combine(built, folder.Path), folder, setMode: true);
            }

            ApplyMetadata(built, tree.Root, setMode: true);
            Posix.SyncFileSystem(built);
            context.CancellationToken.ThrowIfCancellationRequested();
            return new PreparedMount(built, root);
        }
        catch
        {
            Discard(built);
            throw;
        }
    }

    private static void Discard(string built)
    {
        if (Directory.Exists(built))
        {
            Directory.Delete(built, recursive: true);
        }
    }

    private static void WriteFile(string full, MountEntry item, string service, EngineContext context)
    {
        // Unbuffered: CopyChunks writes 1 MiB at a time; preallocating keeps a large file in few extents.
        using var output = new FileStream(full, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0, PreallocationSize = item.Size,
        });
        context.CopyChunks(item.Chunks!, $"{service}:{item.Path}", output);
        Posix.StartWriteback(output.SafeFileHandle);
    }

    private static void ApplyMetadata(string full, MountEntry item, bool setMode)
    {
        Posix.SetOwner(full, item.Uid, item.Gid);
        if (setMode && OperatingSystem.IsLinux())
        {
            // After chown, which clears setuid/setgid bits.
            File.SetUnixFileMode(full, (UnixFileMode)item.Mode);
        }

        Posix.SetMTime(full, item.MTimeNs);
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

    /// <summary>A fully built and synced sibling folder; committing swaps it in, disposing an uncommitted one deletes it.</summary>
    private sealed class PreparedMount(string built, string root) : IPreparedRestore
    {
        private bool _committed;

        public Task CommitAsync(EngineContext context)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            MountSwap.SwapIn(built, root, Path.GetFileName(built)[^12..]);
            _committed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (!_committed)
            {
                Discard(built);
            }

            return ValueTask.CompletedTask;
        }
    }
}
