namespace Portal.Engine.Adapters.Mounts;

using Portal.Engine.Manifests;

/// <summary>
/// A manifest may be tampered with; these checks keep every restored path inside the mount and every entry buildable.
/// Capture runs the same checks on what it is about to record, so a snapshot that restore would refuse is never written.
/// </summary>
internal static class MountPaths
{
    public static void Validate(string service, MountTree tree, bool capturing = false)
    {
        var problem = Find(tree);
        if (problem is { } found)
        {
            throw capturing
                ? new SnapshotEngineException($"Mount '{service}': the capture would record path '{found.Path}', which {found.Why}, so its snapshot could not be restored.")
                : new UnsafeManifestPathException($"Refusing to restore mount '{service}': manifest path '{found.Path}' {found.Why}. Nothing was changed.");
        }
    }

    private static (string Path, string Why)? Find(MountTree tree)
    {
        if (tree.Root.Type != EntryType.Directory || tree.Root.MTime() is null)
        {
            return (".", "is not a folder with a valid modification time");
        }

        var seen = new Dictionary<string, (EntryType Type, int Index)>(tree.Entries.Count, StringComparer.Ordinal);
        var paths = new byte[tree.Entries.Count][];
        for (var i = 0; i < tree.Entries.Count; i++)
        {
            var entry = tree.Entries[i];
            var path = paths[i] = entry.RawPath();
            if (path.Length == 0 || path[0] == FileNames.Separator || path.Contains((byte)0))
            {
                return (entry.DisplayPath(), "is empty or absolute");
            }

            foreach (var segment in path.AsSpan().Split(FileNames.Separator))
            {
                if (path.AsSpan()[segment] is [] or [(byte)'.'] or [(byte)'.', (byte)'.'])
                {
                    return (entry.DisplayPath(), "contains an empty, '.' or '..' segment");
                }
            }

            if (!seen.TryAdd(FileNames.Key(path), (entry.Type, i)))
            {
                return (entry.DisplayPath(), "appears twice");
            }

            if (Shape(entry) is { } why)
            {
                return (entry.DisplayPath(), why);
            }
        }

        for (var i = 0; i < tree.Entries.Count; i++)
        {
            if (Placement(tree.Entries[i], paths[i], i, seen) is { } why)
            {
                return (tree.Entries[i].DisplayPath(), why);
            }
        }

        return null;
    }

    /// <summary>Restore builds parents first and links to files already written: both must come earlier in the list.</summary>
    private static string? Placement(MountEntry entry, byte[] path, int index, Dictionary<string, (EntryType Type, int Index)> seen)
    {
        var slash = FileNames.LastSeparator(path);
        if (slash > 0)
        {
            if (!seen.TryGetValue(FileNames.Key(path.AsSpan(0, slash)), out var parent) || parent.Index > index)
            {
                return "has no folder entry before it";
            }

            // A parent that is a symlink (or a file) would make the restore write wherever that link points.
            if (parent.Type != EntryType.Directory)
            {
                return $"goes through a {parent.Type.ToString().ToLowerInvariant()}";
            }
        }

        if (entry.Type == EntryType.HardLink
            && (!seen.TryGetValue(FileNames.Key(entry.RawLinkTarget()!), out var target) || target.Type != EntryType.File || target.Index > index))
        {
            return "is a hard link to something other than an earlier file of the snapshot";
        }

        return null;
    }

    private static string? Shape(MountEntry entry)
    {
        if (entry.MTime() is null)
        {
            return "has no valid modification time";
        }

        if (entry.Xattrs?.Any(x => x.RawName() is [] || x.RawName().Contains((byte)0) || x.Value is null) == true)
        {
            return "has an extended attribute without a name or value";
        }

        var complete = entry.Type switch
        {
            EntryType.File => entry.Chunks is not null && entry.Size >= 0 && ChunksFit(entry),
            EntryType.Symlink or EntryType.HardLink => entry.RawLinkTarget() is { Length: > 0 } target && !target.Contains((byte)0),
            EntryType.Directory or EntryType.Fifo => true,
            _ => false,
        };
        return complete ? null : $"is an incomplete {entry.Type} entry";
    }

    /// <summary>The chunks hold exactly the file (or its data ranges, which must be ordered, disjoint and inside it).</summary>
    private static bool ChunksFit(MountEntry entry)
    {
        if (entry.Chunks!.Any(c => c is null || c.Size < 0))
        {
            return false;
        }

        var data = entry.DataSize();
        if (entry.DataRanges is not { } ranges)
        {
            return data == entry.Size;
        }

        long end = 0, total = 0;
        foreach (var range in ranges)
        {
            if (range is null || range.Offset < end || range.Length <= 0 || range.Length > entry.Size - range.Offset)
            {
                return false;
            }

            end = range.Offset + range.Length;
            total += range.Length;
        }

        return total == data;
    }
}
