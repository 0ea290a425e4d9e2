namespace Portal.Engine.Adapters.Mounts;

using System.Text;
using Microsoft.Win32.SafeHandles;

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

    /// <summary>
    /// Puts the old tree back if a run died between the two fallback renames, then has the leftovers removed: in the background
    /// when <paramref name="removals"/> is given, else at once.
    /// </summary>
    public static void Recover(string root, OldTreeRemovals? removals = null)
    {
        var (parent, name) = Split(root);
        if (!Directory.Exists(parent))
        {
            return;
        }

        // One being removed was swapped out by a finished restore: it is never the tree to put back.
        var olds = Directory.GetDirectories(parent, $".{name}.portal-old-*").Where(old => removals?.IsScheduled(old) != true).ToArray();
        if (!Posix.Exists(root) && olds.Length > 0)
        {
            Directory.Move(olds[0], root);
        }

        foreach (var leftover in Directory.GetDirectories(parent, $".{name}.portal-old-*")
                     .Concat(Directory.GetDirectories(parent, $".{name}.portal-restore-*")))
        {
            Remove(leftover, removals);
        }
    }

    /// <summary>Swaps the built tree in; the tree it replaced is removed in the background when <paramref name="removals"/> is given.</summary>
    public static void SwapIn(string built, string root, string id, OldTreeRemovals? removals = null)
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
        Remove(old, removals);
    }

    private static void Remove(string path, OldTreeRemovals? removals)
    {
        if (removals is null)
        {
            RemoveTree(path);
        }
        else if (Posix.Exists(path))
        {
            removals.Schedule(path);
        }
    }

    /// <summary>
    /// Deletes a folder and everything in it by descriptor and byte name, so names that are not UTF-8 and paths longer
    /// than PATH_MAX go too (Directory.Delete fails on both); a missing folder is nothing to do.
    /// </summary>
    public static void RemoveTree(string path, CancellationToken cancellationToken = default)
    {
        var (parent, name) = Split(path);
        if (!Posix.Exists(path))
        {
            return;
        }

        using var folder = Posix.OpenDirectory(parent);
        RemoveEntry(folder, Encoding.UTF8.GetBytes(name), cancellationToken);
    }

    /// <summary>Deletes one entry of a folder, and everything in it when it is a folder itself.</summary>
    public static void RemoveEntry(SafeFileHandle parent, byte[] name, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Most entries are files: try that first and learn from EISDIR that it is a folder.
            Posix.UnlinkAt(parent, name, directory: false);
            return;
        }
        catch (PosixException ex) when (ex.Errno == Posix.ENoEnt)
        {
            return;
        }
        catch (PosixException ex) when (ex.Errno is Posix.EIsDir or Posix.EPerm)
        {
        }

        if (Posix.EffectiveUserId != 0)
        {
            try
            {
                // A read-only folder of the snapshot would keep its owner from deleting what is in it.
                Posix.SetModeAt(parent, name, 0x1C0);
            }
            catch (PosixException)
            {
                // Not ours to change: the deletions below say what is in the way.
            }
        }

        using (var folder = Posix.OpenAt(parent, name, Posix.ReadOnly | Posix.DirectoryOnly))
        {
            foreach (var child in Posix.ReadDirectory(folder))
            {
                RemoveEntry(folder, child, cancellationToken);
            }
        }

        Posix.UnlinkAt(parent, name, directory: true);
    }
}
