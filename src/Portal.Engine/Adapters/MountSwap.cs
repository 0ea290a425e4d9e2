namespace Portal.Engine.Adapters;

/// <summary>
/// Replaces a mount folder by a fully built sibling, so a kill at any moment leaves either the old or the new tree
/// at the mount path, and cleans up what a killed run left behind.
/// </summary>
internal static class MountSwap
{
    public static (string Parent, string Name) Split(string root)
    {
        var parent = Path.GetDirectoryName(root) ?? throw new SnapshotEngineException($"A mount cannot be the filesystem root ({root}).");
        return (parent, Path.GetFileName(root));
    }

    public static string NewRestoreFolder(string root, string id)
    {
        var (parent, name) = Split(root);
        return Path.Combine(parent, $".{name}.portal-restore-{id}");
    }

    /// <summary>Puts the old tree back if a run died between the two fallback renames, then removes leftovers.</summary>
    public static void Recover(string root)
    {
        var (parent, name) = Split(root);
        if (!Directory.Exists(parent))
        {
            return;
        }

        var olds = Directory.GetDirectories(parent, $".{name}.portal-old-*");
        if (!Posix.Exists(root) && olds.Length > 0)
        {
            Directory.Move(olds[0], root);
        }

        foreach (var leftover in Directory.GetDirectories(parent, $".{name}.portal-old-*")
                     .Concat(Directory.GetDirectories(parent, $".{name}.portal-restore-*")))
        {
            Directory.Delete(leftover, recursive: true);
        }
    }

    public static void SwapIn(string built, string root, string id)
    {
        var (parent, name) = Split(root);
        var old = Path.Combine(parent, $".{name}.portal-old-{id}");
        if (!Posix.Exists(root))
        {
            Directory.Move(built, root);
        }
        else if (Posix.TryExchange(built, root))
        {
            // After the exchange the built path holds the old tree.
            Directory.Move(built, old);
        }
        else
        {
            Directory.Move(root, old);
            Directory.Move(built, root);
        }

        Posix.FsyncDirectory(parent);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
    }
}
