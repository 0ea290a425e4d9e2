namespace Portal.Engine.Adapters.Mounts;

using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Portal.Contracts;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>
/// One capture of a mount: walks it by folder descriptor and byte name (any name, any depth, links never followed), then
/// reads the files on every core. Whatever changes meanwhile is recorded as found, and said: an entry that vanishes is
/// left out with a warning, a file that changes while read is kept as read with a warning. Nothing is skipped silently.
/// </summary>
internal sealed class MountCapture : IDisposable
{
    // A file changed within this window of the previous capture's start may share its recorded mtime; read it again.
    private static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    private readonly string _service;
    private readonly string _root;
    private readonly EngineContext _context;
    private readonly SafeFileHandle _parent;
    private readonly byte[] _rootName;
    private readonly SafeFileHandle _rootFolder;
    private Dictionary<string, MountEntry> _previousFiles = [];
    private FileTime _settledBefore;

    private MountCapture(string service, string root, EngineContext context)
    {
        _service = service;
        _root = root;
        _context = context;
        var (parent, name) = MountSwap.Split(root);
        _parent = Posix.OpenDirectory(parent);
        _rootName = System.Text.Encoding.UTF8.GetBytes(name);
        _rootFolder = Posix.OpenAt(_parent, _rootName, Posix.ReadOnly | Posix.DirectoryOnly);
    }

    /// <summary>What the walk saw of one entry; files are read afterwards, on every core.</summary>
    private sealed record Found(byte[] Path, EntryType Type, PosixStat Stat, byte[]? LinkTarget, IReadOnlyList<ExtendedAttribute>? Xattrs);

    public static ManifestService Run(ServiceSpec spec, string root, PreviousCapture? previous, EngineContext context)
    {
        using var capture = new MountCapture(spec.Name, root, context);
        return capture.Capture(previous);
    }

    public void Dispose()
    {
        _rootFolder.Dispose();
        _parent.Dispose();
    }

    private ManifestService Capture(PreviousCapture? previous)
    {
        var root = Describe(_parent, _rootName, []) ?? throw new SnapshotEngineException($"Mount '{_service}': folder {_root} vanished.");
        var previousFiles = _previousFiles = PreviousFiles(previous);
        // The store's check of their objects runs while the walk waits on the disk; only its answer decides reuse.
        var stored = previousFiles.Count == 0 ? null : Task.Run(async () => await _context.Store.WhichExistAsync(
            previousFiles.Values.SelectMany(e => e.Chunks!).Select(c => c.Hash), _context.CancellationToken));
        List<Found> found;
        try
        {
            found = Walk();
        }
        catch
        {
            // Not left running past the capture (and the store lock it holds); the walk's failure is the one to report.
            try
            {
                stored?.Wait();
            }
            catch (AggregateException)
            {
            }

            throw;
        }

        var reusable = Reusable(previousFiles, stored?.GetAwaiter().GetResult());
        _context.Progress.AddTotal(found.Where(f => f.Type == EntryType.File && !reusable.ContainsKey(FileNames.Key(f.Path)))
            .Sum(f => Math.Min(f.Stat.Size, f.Stat.AllocatedBytes)));
        _context.Progress.Phase($"Capturing mount {_service}");

        // Entries keep the walk's order whichever core reads them.
        var entries = new MountEntry?[found.Count];
        OnEveryCore.ForEach(Enumerable.Range(0, found.Count), _context.Store, i =>
            entries[i] = found[i].Type == EntryType.File ? ReadFile(found[i], reusable) : Record(found[i], found[i].Stat, null, null), _context.CancellationToken);

        RelinkVanishedTargets(found, entries, reusable);
        var kept = entries.OfType<MountEntry>().ToList();
        var tree = new MountTree(Record(root, root.Stat, null, null), kept);
        MountPaths.Validate(_service, tree, capturing: true);
        return new ManifestService(_service, ServiceKind.Mount, kept.Sum(e => e.Size), null, tree);
    }

    /// <summary>
    /// Depth-first, each folder's names in byte order, so parents precede children. One folder is open at a time per
    /// thread (opened again from the root), so depth is limited neither by PATH_MAX nor by the number of open files.
    /// </summary>
    private List<Found> Walk()
    {
        var listings = ListEveryFolder();
        var found = new List<Found>();
        var firstNames = new Dictionary<(long Device, long Inode), byte[]>();
        var pending = new Stack<Queue<Found>>();
        pending.Push(listings[""] ?? throw new SnapshotEngineException($"Mount '{_service}': folder {_root} vanished."));
        while (pending.TryPeek(out var level))
        {
            if (!level.TryDequeue(out var item))
            {
                pending.Pop();
                continue;
            }

            if (item.Type == EntryType.Directory)
            {
                if (listings[FileNames.Key(item.Path)] is { } children)
                {
                    found.Add(item);
                    pending.Push(children);
                }

                continue;
            }

            // A file with several names is stored once; its other names in the mount become links to the first one found.
            if (item.Type == EntryType.File && item.Stat.Links > 1 && !firstNames.TryAdd((item.Stat.Device, item.Stat.Inode), item.Path))
            {
                item = item with { Type = EntryType.HardLink, LinkTarget = firstNames[(item.Stat.Device, item.Stat.Inode)] };
            }

            found.Add(item);
        }

        return found;
    }

    /// <summary>
    /// Every folder's entries by path, listed a level at a time with several folders at once: with a cold cache each folder
    /// and inode waits on the disk, and waits in flight together take about half as long (12,500 files: 0.30 s one folder
    /// at a time, 0.15-0.19 s eight at once, on the benchmark VM).
    /// </summary>
    private Dictionary<string, Queue<Found>?> ListEveryFolder()
    {
        var listings = new Dictionary<string, Queue<Found>?>(StringComparer.Ordinal);
        List<byte[]> level = [[]];
        while (level.Count > 0)
        {
            var listed = new Queue<Found>?[level.Count];
            OwnThreads.For(
                level.Count,
                Environment.ProcessorCount * OwnThreads.DiskWaitsPerCore,
                "Portal mount walk",
                i => listed[i] = List(level[i]),
                _context.CancellationToken);
            var next = new List<byte[]>();
            for (var i = 0; i < level.Count; i++)
            {
                listings[FileNames.Key(level[i])] = listed[i];
                next.AddRange(listed[i]?.Where(child => child.Type == EntryType.Directory).Select(child => child.Path) ?? []);
            }

            level = next;
        }

        return listings;
    }

    /// <summary>A folder's entries, or null when the folder itself vanished (said in a warning).</summary>
    private Queue<Found>? List(byte[] path)
    {
        SafeFileHandle folder;
        try
        {
            folder = path.Length == 0 ? Posix.Borrow(_rootFolder) : Posix.OpenBeneath(_rootFolder, path, Posix.ReadOnly | Posix.DirectoryOnly);
        }
        catch (PosixException ex) when (ex.IsGone)
        {
            Vanished(path);
            return null;
        }
        catch (PosixException ex) when (ex.IsDenied)
        {
            throw MountErrors.Denied(_service, Full(path), "reading", ex);
        }

        using (folder)
        {
            var names = Posix.ReadDirectory(folder);
            names.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
            var children = new Queue<Found>(names.Count);
            foreach (var name in names)
            {
                if (Describe(folder, name, FileNames.Join(path, name)) is { } child)
                {
                    children.Enqueue(child);
                }
            }

            return children;
        }
    }

    /// <summary>lstat, link target and extended attributes of one entry; null (with a warning) for what cannot be kept.</summary>
    private Found? Describe(SafeFileHandle folder, byte[] name, byte[] path)
    {
        try
        {
            var stat = Posix.StatAt(folder, name);
            EntryType type;
            switch (stat.Mode & PosixStat.TypeMask)
            {
                case PosixStat.Directory: type = EntryType.Directory; break;
                case PosixStat.Regular: type = EntryType.File; break;
                case PosixStat.Symlink: type = EntryType.Symlink; break;
                case PosixStat.Fifo: type = EntryType.Fifo; break;
                default:
                    LeftOut(path, stat);
                    return null;
            }

            var target = type == EntryType.Symlink ? Posix.ReadLinkAt(folder, name) : null;
            var xattrs = UnchangedFile(path, stat) is { } unchanged ? unchanged.Xattrs : ReadXattrs(folder, name, path);
            return new Found(path, type, stat, target, xattrs);
        }
        catch (PosixException ex) when (ex.IsGone)
        {
            Vanished(path);
            return null;
        }
        catch (PosixException ex) when (ex.IsDenied)
        {
            throw MountErrors.Denied(_service, Full(path), "reading", ex);
        }
    }

    /// <summary>
    /// The previous capture's record of a file whose inode has not changed since (same ctime, and older than that capture by
    /// the racy window, as ctime ticks coarsely), so neither have its attributes: they are reused without a system call.
    /// </summary>
    private MountEntry? UnchangedFile(byte[] path, PosixStat stat) =>
        stat.IsRegular && stat.CTime < _settledBefore && _previousFiles.TryGetValue(FileNames.Key(path), out var previous)
            && previous.CTimeNs is { } ctime && ctime == stat.CTime.TotalNanoseconds() && previous.Inode == stat.Inode && previous.Device == stat.Device
            ? previous : null;

    private List<ExtendedAttribute>? ReadXattrs(SafeFileHandle folder, byte[] name, byte[] path)
    {
        var read = Posix.ReadXattrs(folder, name, (attribute, errno) => _context.Warn(
            $"Mount '{_service}': extended attribute {FileNames.Display(attribute)} of {Full(path)} could not be read "
            + $"({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}); left out."));
        return read.Count == 0 ? null : [.. read.Select(x => ExtendedAttribute.Create(x.Name, x.Value))];
    }

    /// <summary>Sockets exist only while their program runs; device nodes would let a restore plant access to hardware in a web folder.</summary>
    private void LeftOut(byte[] path, PosixStat stat)
    {
        // glibc's dev_t encoding (gnu_dev_major/minor).
        var (major, minor) = (((stat.RawDevice >> 8) & 0xFFF) | ((stat.RawDevice >> 32) & 0xFFFFF000), (stat.RawDevice & 0xFF) | ((stat.RawDevice >> 12) & 0xFFFFFF00));
        var why = (stat.Mode & PosixStat.TypeMask) switch
        {
            PosixStat.Socket => "is a socket, which exists only while its program runs",
            PosixStat.CharDevice => $"is a character device ({major}:{minor}); Portal does not recreate device nodes",
            PosixStat.BlockDevice => $"is a block device ({major}:{minor}); Portal does not recreate device nodes",
            var other => $"is a file of unknown type 0x{other:x}",
        };
        _context.Warn($"Mount '{_service}': {Full(path)} {why}; left out.");
    }

    /// <summary>
    /// The previous capture's files by path that were settled when it started (older than it by the racy window). Their
    /// recorded attributes may be reused as they are; their content only once the store has them (<see cref="Reusable"/>).
    /// </summary>
    private Dictionary<string, MountEntry> PreviousFiles(PreviousCapture? previous)
    {
        var files = new Dictionary<string, MountEntry>(StringComparer.Ordinal);
        if (previous?.Service.Mount is not { } tree)
        {
            return files;
        }

        var started = previous.StartedAt - RacyWindow;
        var before = _settledBefore = new FileTime(started.ToUnixTimeSeconds(), started.Millisecond * 1_000_000L);
        foreach (var entry in tree.Entries)
        {
            if (entry.Type == EntryType.File && entry.Chunks is not null && entry.MTime() is { } mtime && mtime < before)
            {
                files[FileNames.Key(entry.RawPath())] = entry;
            }
        }

        return files;
    }

    /// <summary>The previous files whose every object is still in the store: a file missing one is read again.</summary>
    private static Dictionary<string, MountEntry> Reusable(Dictionary<string, MountEntry> previousFiles, IReadOnlySet<string>? stored) =>
        stored is null ? [] : previousFiles.Where(f => f.Value.Chunks!.All(c => stored.Contains(c.Hash))).ToDictionary(StringComparer.Ordinal);

    private MountEntry? ReadFile(Found item, Dictionary<string, MountEntry> reusable)
    {
        var stat = item.Stat;
        if (reusable.TryGetValue(FileNames.Key(item.Path), out var previous)
            && previous.Size == stat.Size && previous.MTime() == stat.MTime && previous.Inode == stat.Inode && previous.Device == stat.Device)
        {
            return Record(item, stat, previous.Chunks, previous.DataRanges);
        }

        SafeFileHandle file;
        try
        {
            // Non-blocking: a FIFO put in the file's place must not hang the capture waiting for a writer.
            file = Posix.OpenBeneath(_rootFolder, item.Path, Posix.ReadOnly | Posix.NonBlocking);
        }
        catch (PosixException ex) when (ex.IsGone)
        {
            Vanished(item.Path);
            return null;
        }
        catch (PosixException ex) when (ex.IsDenied)
        {
            throw MountErrors.Denied(_service, Full(item.Path), "reading", ex);
        }

        using (file)
        {
            var opened = Posix.Stat(file);
            if (!opened.IsRegular)
            {
                Vanished(item.Path);
                return null;
            }

            // Only a file with fewer blocks than bytes can have holes; the others are read whole without asking.
            var sparse = opened.AllocatedBytes < opened.Size ? Posix.DataRanges(file, opened.Size) : null;
            Posix.AdviseSequential(file);
            using var sink = _context.NewSink();
            var (ranges, end) = Copy(file, sparse ?? [(0, opened.Size)], sink);
            var chunks = sink.Complete();
            var after = Posix.Stat(file);
            if (after.Size != opened.Size || after.MTime != opened.MTime)
            {
                _context.Warn($"Mount '{_service}': {Full(item.Path)} changed while the snapshot read it (its size or modification time "
                    + "differs afterwards); kept as read, which may mix old and new content.");
            }

            var size = end ?? opened.Size;
            var wholeFile = ranges.Count == 1 && ranges[0].Offset == 0 && ranges[0].Length == size;
            return Record(item, opened with { Size = size }, chunks, sparse is null || wholeFile ? null : ranges);
        }
    }

    /// <summary>Reads the ranges into the sink; a file that ends early (truncated meanwhile) ends there, and end says where.</summary>
    private static (List<DataRange> Read, long? End) Copy(SafeFileHandle file, List<(long Offset, long Length)> ranges, ObjectSink sink)
    {
        var read = new List<DataRange>(ranges.Count);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            foreach (var (offset, length) in ranges)
            {
                long done = 0;
                while (done < length)
                {
                    var n = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - done)), offset + done);
                    if (n == 0)
                    {
                        if (done > 0)
                        {
                            read.Add(new DataRange(offset, done));
                        }

                        return (read, offset + done);
                    }

                    sink.Write(buffer, 0, n);
                    done += n;
                }

                read.Add(new DataRange(offset, length));
            }

            return (read, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A hard link whose first name vanished before its content was read takes over as the file its siblings link to.</summary>
    private void RelinkVanishedTargets(List<Found> found, MountEntry?[] entries, Dictionary<string, MountEntry> reusable)
    {
        if (!found.Any(f => f.Type == EntryType.HardLink))
        {
            return;
        }

        var files = found.Where((f, i) => entries[i]?.Type == EntryType.File).Select(f => FileNames.Key(f.Path)).ToHashSet(StringComparer.Ordinal);
        var takenOver = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < found.Count; i++)
        {
            var target = found[i].Type == EntryType.HardLink ? FileNames.Key(found[i].LinkTarget!) : null;
            if (target is null || files.Contains(target))
            {
                continue;
            }

            if (takenOver.TryGetValue(target, out var first))
            {
                entries[i] = Record(found[i] with { LinkTarget = first }, found[i].Stat, null, null);
            }
            else if ((entries[i] = ReadFile(found[i] with { Type = EntryType.File, LinkTarget = null }, reusable)) is not null)
            {
                takenOver[target] = found[i].Path;
                files.Add(FileNames.Key(found[i].Path));
            }
        }
    }

    private static MountEntry Record(Found item, PosixStat stat, IReadOnlyList<ChunkRef>? chunks, IReadOnlyList<DataRange>? ranges) =>
        MountEntry.Create(item.Path, item.Type, stat, item.LinkTarget, chunks) with
        {
            DataRanges = ranges,
            Xattrs = item.Xattrs,
        };

    private void Vanished(byte[] path) =>
        _context.Warn($"Mount '{_service}': {Full(path)} vanished while the snapshot read it; left out.");

    private string Full(byte[] path) => path.Length == 0 ? _root : $"{_root}/{FileNames.Display(path)}";
}
