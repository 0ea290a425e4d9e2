namespace Portal.Engine.Adapters;

using Portal.Engine.Manifests;

/// <summary>A manifest may be tampered with; these checks keep every restored path inside the mount.</summary>
internal static class MountPaths
{
    public static void Validate(string service, MountTree tree)
    {
        var seen = new Dictionary<string, EntryType>(StringComparer.Ordinal);
        foreach (var entry in tree.Entries)
        {
            var path = entry.Path;
            if (string.IsNullOrEmpty(path) || path.StartsWith('/') || path.Contains('\0', StringComparison.Ordinal))
            {
                throw Unsafe(service, path, "is empty or absolute");
            }

            foreach (var segment in path.Split('/'))
            {
                if (segment is "" or "." or "..")
                {
                    throw Unsafe(service, path, "contains an empty, '.' or '..' segment");
                }
            }

            if (!seen.TryAdd(path, entry.Type))
            {
                throw Unsafe(service, path, "appears twice");
            }

            CheckEntryShape(service, entry);
        }

        foreach (var entry in tree.Entries)
        {
            var slash = entry.Path.IndexOf('/', StringComparison.Ordinal);
            while (slash > 0)
            {
                // A parent that is a symlink (or a file) would make the restore write wherever that link points.
                if (seen.TryGetValue(entry.Path[..slash], out var parentType) && parentType != EntryType.Directory)
                {
                    throw Unsafe(service, entry.Path, $"goes through a {parentType.ToString().ToLowerInvariant()}");
                }

                slash = entry.Path.IndexOf('/', slash + 1);
            }
        }
    }

    /// <summary>Joins and re-checks that the result is below root, as a last guard against anything Validate missed.</summary>
    public static string Combine(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new UnsafeManifestPathException($"Manifest path '{relative}' escapes the mount.");
        }

        return full;
    }

    private static void CheckEntryShape(string service, MountEntry entry)
    {
        var ok = entry.Type switch
        {
            EntryType.File => entry.Chunks is not null,
            EntryType.Symlink => !string.IsNullOrEmpty(entry.LinkTarget),
            EntryType.Directory => true,
            _ => false,
        };
        if (!ok)
        {
            throw Unsafe(service, entry.Path, $"is an incomplete {entry.Type} entry");
        }
    }

    private static UnsafeManifestPathException Unsafe(string service, string path, string why) =>
        new($"Refusing to restore mount '{service}': manifest path '{path}' {why}. Nothing was changed.");
}
