namespace Portal.Engine.Adapters.Mounts;

using System.Collections.Concurrent;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>
/// Builds a mount's snapshot in a sibling folder by descriptor and byte name, verifying every object as it writes it:
/// folders, then files (data ranges only, holes left as holes), symlinks and FIFOs on every core, then hard links, then
/// each folder's owner, attributes, mode and mtime deepest first. Committing swaps the folder in.
/// </summary>
internal sealed class MountRestore
{
    private const uint Private = 0x1C0; // 0700 until the entry's own mode is applied last
    private static readonly byte[][] InheritedAcls = ["system.posix_acl_default"u8.ToArray(), "system.posix_acl_access"u8.ToArray()];

    private readonly string _service;
    private readonly string _root;
    private readonly string _built;
    private readonly EngineContext _context;
    private readonly ConcurrentDictionary<(string Attribute, int Errno), (int Count, string First)> _unrestorable = new();
    private long _needed;
    private long _free;

    private MountRestore(string service, string root, string built, EngineContext context)
    {
        _service = service;
        _root = root;
        _built = built;
        _context = context;
    }

    public static IPreparedRestore Prepare(ManifestService entry, string root, EngineContext context)
    {
        MountSwap.Recover(root, context.Removals);
        var parentPath = MountSwap.Split(root).Parent;
        Directory.CreateDirectory(parentPath);
        var built = MountSwap.NewRestoreFolder(root, Guid.NewGuid().ToString("N")[..12]);
        context.Progress.Phase($"Restoring mount {entry.Name}");
        var restore = new MountRestore(entry.Name, root, built, context);
        using var parent = Posix.OpenDirectory(parentPath);
        restore.CheckFreeSpace(parent, entry.Mount!);
        try
        {
            var written = restore.Build(parent, Encoding.UTF8.GetBytes(Path.GetFileName(built)), entry.Mount!);
            return new PreparedMount(built, root, entry with { Mount = written });
        }
        catch
        {
            MountSwap.RemoveTree(built);
            throw;
        }
    }

    /// <summary>The old tree stays until the swap, so the new one needs its own room: say so before writing anything.</summary>
    private void CheckFreeSpace(SafeFileHandle parent, MountTree tree)
    {
        var (free, freeInodes, block) = Posix.FreeSpace(parent);
        long inodes = 1;
        foreach (var entry in tree.Entries.Where(e => e.Type != EntryType.HardLink))
        {
            inodes++;
            // Allocated blocks, not sizes: a sparse file needs room for its data only.
            _needed += entry.Type switch
            {
                EntryType.File => (entry.DataSize() + block - 1) / block * block,
                EntryType.Directory => block,
                _ => 0,
            };
        }

        _free = free;
        if (_needed > free || inodes > freeInodes)
        {
            var files = inodes > freeInodes ? $" and {inodes:N0} inodes ({freeInodes:N0} free)" : "";
            throw new SnapshotEngineException($"Mount '{_service}': not enough free space to restore. The restore is built beside {_root} "
                + $"before it replaces it, so the disk holding {_root} needs about {MountErrors.Size(_needed)} free{files}, and it has "
                + $"{MountErrors.Size(free)}. Free some space on that disk, then restore again; nothing was changed.");
        }
    }

    /// <summary>Builds the tree; returns it with each file's new device, inode and change time (renames keep them).</summary>
    private MountTree Build(SafeFileHandle parent, byte[] builtName, MountTree tree)
    {
        Guard("", () => Posix.MakeDirectoryAt(parent, builtName, Private));
        using var folder = Posix.OpenAt(parent, builtName, Posix.ReadOnly | Posix.DirectoryOnly);
        // A default ACL on the environment's folder would spread to every restored entry; the snapshot's own ACLs come last.
        foreach (var acl in InheritedAcls)
        {
            Posix.RemoveXattr(parent, builtName, acl);
        }

        foreach (var directory in tree.Entries.Where(e => e.Type == EntryType.Directory))
        {
            AtEntry(folder, directory, (at, name) => Posix.MakeDirectoryAt(at, name, Private));
        }

        // Largest first, so the last file to finish is a small one; files whose objects a store keeps together (S3 packs) in
        // the order they sit there, after the others, so each pack is read once.
        var entries = tree.Entries;
        var written = entries.ToArray();
        var leaves = Enumerable.Range(0, entries.Count).Where(i => entries[i].Type is EntryType.File or EntryType.Symlink or EntryType.Fifo)
            .OrderBy(i => entries[i].Chunks is [var first, ..] ? _context.Store.ReadOrder(first.Hash) : -1)
            .ThenByDescending(i => entries[i].DataSize());
        OnEveryCore.ForEach(leaves, _context.Store, i => AtEntry(folder, entries[i], (at, name) =>
        {
            var item = entries[i];
            switch (item.Type)
            {
                case EntryType.File: WriteFile(at, name, item); break;
                case EntryType.Symlink: Posix.SymlinkAt(item.RawLinkTarget(), at, name); break;
                default: Posix.MakeFifoAt(at, name, Private); break;
            }

            ApplyMetadata(at, name, item);
            if (item.Type == EntryType.File)
            {
                var stat = Posix.StatAt(at, name);
                written[i] = item with { Device = stat.Device, Inode = stat.Inode, CTimeNs = stat.CTime.TotalNanoseconds() };
            }
        }), _context.CancellationToken);

        // The file each link names is complete (content and metadata, which belong to the shared inode) by now.
        foreach (var link in tree.Entries.Where(e => e.Type == EntryType.HardLink))
        {
            var target = link.RawLinkTarget()!;
            AtEntry(folder, link, (at, name) =>
            {
                using var from = Posix.OpenParent(folder, target, out var start);
                Posix.LinkAt(from, target.AsSpan(start), at, name);
            });
        }

        // Folders last and deepest first: creating children changes a folder's mtime, and a read-only mode would block them.
        foreach (var directory in tree.Entries.Where(e => e.Type == EntryType.Directory).Reverse())
        {
            AtEntry(folder, directory, (at, name) => ApplyMetadata(at, name, directory));
        }

        Guard("", () => ApplyMetadata(parent, builtName, tree.Root));
        Guard("", () => Posix.SyncFileSystem(_built));
        _context.CancellationToken.ThrowIfCancellationRequested();
        foreach (var ((attribute, errno), (count, first)) in _unrestorable)
        {
            _context.Warn($"Mount '{_service}': extended attribute {attribute} could not be restored on {count:N0} {(count == 1 ? "entry" : "entries")} (first: {first}): "
                + $"{System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}. The rest of the mount was restored.");
        }

        return tree with { Entries = written };
    }

    private void WriteFile(SafeFileHandle folder, byte[] name, MountEntry item)
    {
        using var file = Posix.OpenAt(folder, name, Posix.WriteOnly | Posix.Create | Posix.Exclusive, 0x180);
        if (item.DataRanges is not null)
        {
            // Setting the size first leaves everything not written a hole, taking no blocks.
            Posix.Truncate(file, item.Size);
        }
        else
        {
            Posix.TryAllocate(file, item.Size);
        }

        _context.CopyChunks(item.Chunks!, $"{_service}:{item.DisplayPath()}", new RangeWriter(file, item.DataRanges ?? [new DataRange(0, item.Size)]));
        Posix.StartWriteback(file);
    }

    /// <summary>Owner before mode (chown clears setuid), attributes before mode (an ACL rewrites the group bits), mtime last.</summary>
    private void ApplyMetadata(SafeFileHandle folder, byte[] name, MountEntry item)
    {
        Posix.SetOwnerAt(folder, name, item.Uid, item.Gid);
        foreach (var attribute in item.Xattrs ?? [])
        {
            var errno = Posix.TrySetXattr(folder, name, attribute.RawName(), attribute.Value);
            if (errno != 0)
            {
                // Some attributes need privileges or filesystem support the target lacks; the restore goes on and says so.
                _unrestorable.AddOrUpdate((FileNames.Display(attribute.RawName()), errno), (1, Full(item)), (_, seen) => (seen.Count + 1, seen.First));
            }
        }

        if (item.Type != EntryType.Symlink)
        {
            Posix.SetModeAt(folder, name, (uint)item.Mode);
        }

        Posix.SetTimesAt(folder, name, item.MTime()!.Value);
    }

    /// <summary>Runs an operation on an entry's name in its (already built) folder, naming the entry if it fails.</summary>
    private void AtEntry(SafeFileHandle root, MountEntry item, Action<SafeFileHandle, byte[]> operation)
    {
        var path = item.RawPath();
        Guard(item.DisplayPath(), () =>
        {
            using var folder = Posix.OpenParent(root, path, out var start);
            operation(folder, path[start..]);
        });
    }

    /// <summary>Turns a full disk or a denied path into a sentence the user can act on; other failures pass unchanged.</summary>
    private void Guard(string path, Action operation)
    {
        try
        {
            operation();
        }
        catch (IOException ex) when (PosixException.IsNoSpace(ex))
        {
            throw new SnapshotEngineException($"Mount '{_service}': the disk holding {_root} filled up while the restore was built beside it. "
                + $"It needs about {MountErrors.Size(_needed)} free ({MountErrors.Size(_free)} were free when it started). "
                + "Free some space on that disk, then restore again; nothing was changed.", ex);
        }
        catch (PosixException ex) when (ex.IsDenied)
        {
            throw MountErrors.Denied(_service, path.Length == 0 ? _built : $"{_built}/{path}", "writing", ex);
        }
    }

    private string Full(MountEntry item) => $"{_root}/{item.DisplayPath()}";

    /// <summary>Writes a stream of data ranges back to back at their offsets, leaving the gaps as holes.</summary>
    private sealed class RangeWriter(SafeFileHandle file, IReadOnlyList<DataRange> ranges) : WriteOnlyStream
    {
        private int _range;
        private long _done;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var range = _range < ranges.Count ? ranges[_range] : throw new SnapshotCorruptException("A restored file holds more content than its data ranges.");
                if (_done == range.Length)
                {
                    (_range, _done) = (_range + 1, 0);
                    continue;
                }

                var take = (int)Math.Min(buffer.Length, range.Length - _done);
                RandomAccess.Write(file, buffer[..take], range.Offset + _done);
                _done += take;
                buffer = buffer[take..];
            }
        }

        public override void Flush()
        {
        }
    }

    /// <summary>A fully built and synced sibling folder; committing swaps it in, disposing an uncommitted one deletes it.</summary>
    private sealed class PreparedMount(string built, string root, ManifestService written) : IPreparedRestore
    {
        private bool _committed;

        public ManifestService? Restored => _committed ? written : null;

        public Task CommitAsync(EngineContext context)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            MountSwap.SwapIn(built, root, Path.GetFileName(built)[^12..], context.Removals);
            _committed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (!_committed)
            {
                MountSwap.RemoveTree(built);
            }

            return ValueTask.CompletedTask;
        }
    }
}
