namespace Portal.Engine;

using System.Runtime.InteropServices;

/// <summary>What lstat says about one path, without following a final symlink.</summary>
internal readonly record struct PosixStat(long Device, long Inode, uint Mode, uint Uid, uint Gid, long Size, long MTimeNs)
{
    public const uint TypeMask = 0xF000;
    public const uint Directory = 0x4000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;

    public bool IsDirectory => (Mode & TypeMask) == Directory;

    public bool IsRegular => (Mode & TypeMask) == Regular;

    public bool IsSymlink => (Mode & TypeMask) == Symlink;

    /// <summary>Permission bits including setuid/setgid/sticky.</summary>
    public int Permissions => (int)(Mode & 0xFFF);
}

/// <summary>Linux calls .NET lacks: inode and nanosecond mtime, times and owner on symlinks, atomic exchange.</summary>
internal static unsafe partial class Posix
{
    private const string Libc = "libc.so.6";
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint RenameExchange = 2;

    public static PosixStat LStat(string path)
    {
        EnsureSupported();
        // struct stat is 144 bytes on x86_64 and 128 on arm64; the fields read below sit at the same offsets on both.
        var buffer = stackalloc byte[256];
        if (LStatNative(path, buffer) != 0)
        {
            ThrowLastError("lstat", path);
        }

        var span = new ReadOnlySpan<byte>(buffer, 256);
        var mode = RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? Read<uint>(span, 24) : Read<uint>(span, 16);
        var uid = RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? Read<uint>(span, 28) : Read<uint>(span, 24);
        var gid = RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? Read<uint>(span, 32) : Read<uint>(span, 28);
        var mtime = (Read<long>(span, 88) * 1_000_000_000L) + Read<long>(span, 96);
        return new PosixStat(Read<long>(span, 0), Read<long>(span, 8), mode, uid, gid, Read<long>(span, 48), mtime);
    }

    public static bool Exists(string path)
    {
        EnsureSupported();
        var buffer = stackalloc byte[256];
        return LStatNative(path, buffer) == 0;
    }

    /// <summary>Sets atime and mtime to the given time without following a final symlink.</summary>
    public static void SetMTime(string path, long mtimeNs)
    {
        var times = stackalloc long[4];
        times[0] = times[2] = Math.DivRem(mtimeNs, 1_000_000_000L, out var nanos);
        times[1] = times[3] = nanos;
        if (Utimensat(AtFdCwd, path, times, AtSymlinkNoFollow) != 0)
        {
            ThrowLastError("utimensat", path);
        }
    }

    public static void SetOwner(string path, uint uid, uint gid)
    {
        if (LChown(path, uid, gid) != 0)
        {
            ThrowLastError("lchown", path);
        }
    }

    /// <summary>Atomically swaps two paths; false when the filesystem cannot (then the caller falls back to two renames).</summary>
    public static bool TryExchange(string a, string b)
    {
        if (RenameAt2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        const int EInval = 22, ENoSys = 38;
        if (errno is EInval or ENoSys)
        {
            return false;
        }

        throw new IOException($"renameat2 {a} <-> {b}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Makes a rename or new entry in a folder durable, which fsync on the file alone does not.</summary>
    public static void FsyncDirectory(string path)
    {
        var fd = Open(path, 0);
        if (fd < 0)
        {
            return;
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    /// <summary>Flushes the whole filesystem holding path once, cheaper than an fsync per restored file.</summary>
    public static void SyncFileSystem(string path)
    {
        var fd = Open(path, 0);
        if (fd < 0)
        {
            ThrowLastError("open", path);
        }

        try
        {
            if (SyncFs(fd) != 0)
            {
                ThrowLastError("syncfs", path);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Starts writing a file's dirty pages to disk without waiting, so the final syncfs finds most of a capture or restore
    /// already written instead of flushing it all at the end; advisory, so a failure changes nothing.
    /// </summary>
    public static void StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        const uint SyncFileRangeWrite = 2;
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _ = SyncFileRange((int)file.DangerousGetHandle(), 0, 0, SyncFileRangeWrite);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    private static void EnsureSupported()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            throw new PlatformNotSupportedException("The snapshot engine runs on Linux x64 or arm64.");
        }
    }

    private static T Read<T>(ReadOnlySpan<byte> span, int offset)
        where T : unmanaged => MemoryMarshal.Read<T>(span[offset..]);

    private static void ThrowLastError(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        const int ENoEnt = 2;
        var message = $"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}";
        throw errno == ENoEnt ? new FileNotFoundException(message, path) : new IOException(message);
    }

    [LibraryImport(Libc, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStatNative(string path, byte* buffer);

    [LibraryImport(Libc, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Utimensat(int dirFd, string path, long* times, int flags);

    [LibraryImport(Libc, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint uid, uint gid);

    [LibraryImport(Libc, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport(Libc, EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport(Libc, EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
