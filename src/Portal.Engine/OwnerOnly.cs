namespace Portal.Engine;

/// <summary>
/// Portal's own files (data folder, snapshot store, temp files, SQLite database) belong to its user alone: folders 0700,
/// files 0600, whatever the umask. The store holds every database and file such as app/etc/env.php, and portal.db the keys
/// that sign sessions, so no other local user may read them.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute
        | UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit;

    /// <summary>Creates the folder and any missing parent 0700; an existing folder is left as it is (see <see cref="Tighten"/>).</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotUnix();
        }

        // Directory.CreateDirectory gives the mode to the last folder only; missing parents would get the umask's.
        var missing = new Stack<string>();
        for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!)
        {
            missing.Push(folder);
        }

        while (missing.TryPop(out var folder))
        {
            Directory.CreateDirectory(folder, FolderMode);
        }
    }

    /// <summary>A new file, 0600 from its first byte, for writing; fails if it exists.</summary>
    public static FileStream CreateFile(string path, FileShare share = FileShare.None, int bufferSize = 4096)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotUnix();
        }

        return new(path, new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = share,
            BufferSize = bufferSize,
            UnixCreateMode = FileMode,
        });
    }

    /// <summary>An empty 0600 file when none exists, so SQLite, which opens it next, keeps that mode (and gives it to its -wal and -shm).</summary>
    public static void EnsureFile(string path)
    {
        try
        {
            CreateFile(path).Dispose();
        }
        catch (IOException) when (File.Exists(path))
        {
            // Already there: Tighten deals with its mode.
        }
    }

    /// <summary>
    /// Takes group and other bits off <paramref name="path"/> and, with <paramref name="recursive"/>, off everything under it,
    /// children first so an interrupted pass is repeated at the next start; symlinks are left alone. A folder already
    /// owner-only is not walked: nobody else can reach what it holds. Returns one phrase per change, e.g. "/data (was 0755)".
    /// </summary>
    public static TightenResult Tighten(string path, bool recursive)
    {
        var result = new TightenResult();
        FileSystemInfo self = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!self.Exists)
        {
            return result;
        }

        // The path as configured may be a symlink (a store on another disk): what it points to is Portal's.
        self = self.ResolveLinkTarget(returnFinalTarget: true) ?? self;
        if (recursive && self is DirectoryInfo folder && (folder.UnixFileMode & Others) != 0)
        {
            TightenChildren(folder, result);
        }

        if (Strip(self, result) is { } was)
        {
            result.Named.Add($"{path} (was {Octal(was)})");
        }

        return result;
    }

    private static void TightenChildren(DirectoryInfo folder, TightenResult result)
    {
        var children = new EnumerationOptions { AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        foreach (var entry in folder.EnumerateFileSystemInfos("*", children))
        {
            if (entry is DirectoryInfo child)
            {
                TightenChildren(child, result);
            }

            result.Count(entry, Strip(entry, result));
        }
    }

    private static UnixFileMode? Strip(FileSystemInfo entry, TightenResult result)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotUnix();
        }

        var mode = entry.UnixFileMode;
        if ((mode & Others) == 0)
        {
            return null;
        }

        try
        {
            entry.UnixFileMode = mode & ~Others;
            return mode;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            result.Failures.Add($"{entry.FullName}: {ex.Message}");
            return null;
        }
    }

    private static PlatformNotSupportedException NotUnix() => new("Portal keeps its files owner-only with Unix modes.");

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}

/// <summary>What <see cref="OwnerOnly.Tighten"/> changed, for the start-up log line.</summary>
public sealed class TightenResult
{
    public List<string> Named { get; } = [];
    public int Folders { get; private set; }
    public int Files { get; private set; }
    public List<string> Failures { get; } = [];

    public bool Changed => Named.Count > 0 || Folders > 0 || Files > 0;

    internal void Count(FileSystemInfo entry, UnixFileMode? was)
    {
        if (was is null)
        {
            return;
        }

        if (entry is DirectoryInfo)
        {
            Folders++;
        }
        else
        {
            Files++;
        }
    }
}
