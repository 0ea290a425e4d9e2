namespace Portal.Engine;

using System.Runtime.InteropServices;

/// <summary>
/// A timestamp as the kernel keeps it: whole seconds (negative before 1970) and 0..999,999,999 nanoseconds, so times
/// before 1970 with a fraction and times beyond a 64-bit nanosecond count (before 1677, after 2262) are exact.
/// </summary>
internal readonly record struct FileTime(long Seconds, long Nanoseconds) : IComparable<FileTime>
{
    private const long NanosPerSecond = 1_000_000_000L;

    public bool IsValid => Nanoseconds is >= 0 and < NanosPerSecond;

    /// <summary>Floor division: −1.5 s is (−2 s, 500,000,000 ns), never a negative nanosecond part utimensat refuses.</summary>
    public static FileTime FromNanoseconds(long nanoseconds) =>
        new(Math.DivRem(nanoseconds, NanosPerSecond, out var rest) - (rest < 0 ? 1 : 0), rest < 0 ? rest + NanosPerSecond : rest);

    /// <summary>Nanoseconds since 1970 when they fit in 64 bits, else null.</summary>
    public long? TotalNanoseconds()
    {
        var whole = ((Int128)Seconds * NanosPerSecond) + Nanoseconds;
        return whole >= long.MinValue && whole <= long.MaxValue ? (long)whole : null;
    }

    public int CompareTo(FileTime other) => Seconds != other.Seconds ? Seconds.CompareTo(other.Seconds) : Nanoseconds.CompareTo(other.Nanoseconds);

    public static bool operator <(FileTime left, FileTime right) => left.CompareTo(right) < 0;

    public static bool operator >(FileTime left, FileTime right) => left.CompareTo(right) > 0;

    public static bool operator <=(FileTime left, FileTime right) => left.CompareTo(right) <= 0;

    public static bool operator >=(FileTime left, FileTime right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Seconds}.{Nanoseconds:D9}";
}

/// <summary>What lstat/fstatat says about one path, without following a final symlink.</summary>
internal readonly record struct PosixStat(
    long Device, long Inode, uint Mode, uint Uid, uint Gid, long Size, FileTime MTime, long Links = 1, long Blocks = 0, long RawDevice = 0, FileTime CTime = default)
{
    public const uint TypeMask = 0xF000;
    public const uint Fifo = 0x1000;
    public const uint CharDevice = 0x2000;
    public const uint Directory = 0x4000;
    public const uint BlockDevice = 0x6000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;
    public const uint Socket = 0xC000;

    public bool IsDirectory => (Mode & TypeMask) == Directory;

    public bool IsRegular => (Mode & TypeMask) == Regular;

    public bool IsSymlink => (Mode & TypeMask) == Symlink;

    public bool IsFifo => (Mode & TypeMask) == Fifo;

    /// <summary>Bytes the filesystem allocated (st_blocks counts 512-byte units whatever the block size).</summary>
    public long AllocatedBytes => Blocks * 512;

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

        return ParseStat(new ReadOnlySpan<byte>(buffer, 256));
    }

    public static bool Exists(string path)
    {
        EnsureSupported();
        var buffer = stackalloc byte[256];
        return LStatNative(path, buffer) == 0;
    }

    /// <summary>Whether this process may create entries in the folder (access(2) with W_OK|X_OK, as the kernel would judge it).</summary>
    public static bool CanWriteInto(string folder)
    {
        const int WriteOk = 2, ExecuteOk = 1;
        return Access(folder, WriteOk | ExecuteOk) == 0;
    }

    /// <summary>Sets atime and mtime to the given time without following a final symlink.</summary>
    public static void SetMTime(string path, FileTime mtime)
    {
        var times = stackalloc long[4];
        times[0] = times[2] = mtime.Seconds;
        times[1] = times[3] = mtime.Nanoseconds;
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

    /// <summary>Flushes one file's data and metadata; the file must exist (an object that vanished is a store fault).</summary>
    public static void FsyncFile(string path)
    {
        var fd = Open(path, 0);
        if (fd < 0)
        {
            ThrowLastError("open", path);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                ThrowLastError("fsync", path);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Makes a rename or new entry in a folder durable, which fsync on the file alone does not. A failure is thrown: the
    /// entry may not survive a crash, so what it completes must not be reported done. Only a filesystem that cannot sync
    /// folders at all (EINVAL) is passed over, as there is nothing more to do on it.
    /// </summary>
    public static void FsyncDirectory(string path)
    {
        var fd = Open(path, 0);
        if (fd < 0)
        {
            ThrowLastError("open", path);
        }

        try
        {
            const int EInval = 22;
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() != EInval)
            {
                ThrowLastError("fsync", path);
            }
        }
        finally
        {
            _ = Close(fd);
        }
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
    /// Lowers the calling thread to the least CPU priority (nice 19; Linux schedules threads by their own nice value), so
    /// background work yields to whatever the user waits for; advisory, so a failure changes nothing.
    /// </summary>
    public static void YieldThreadToOtherWork()
    {
        const int PrioProcess = 0;
        _ = SetPriority(PrioProcess, GetTid(), 19);
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

    /// <summary>
    /// struct stat is 144 bytes on x86_64 and 128 on arm64: dev, ino, size, blocks and the times sit at the same offsets;
    /// mode/nlink swap order (nlink is 8 bytes on x86_64, 4 on arm64), and uid, gid and rdev follow them.
    /// </summary>
    private static PosixStat ParseStat(ReadOnlySpan<byte> span)
    {
        var x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        var mode = x64 ? Read<uint>(span, 24) : Read<uint>(span, 16);
        var links = x64 ? Read<long>(span, 16) : Read<uint>(span, 20);
        var uid = x64 ? Read<uint>(span, 28) : Read<uint>(span, 24);
        var gid = x64 ? Read<uint>(span, 32) : Read<uint>(span, 28);
        var rawDevice = x64 ? Read<long>(span, 40) : Read<long>(span, 32);
        var mtime = new FileTime(Read<long>(span, 88), Read<long>(span, 96));
        var ctime = new FileTime(Read<long>(span, 104), Read<long>(span, 112));
        return new PosixStat(Read<long>(span, 0), Read<long>(span, 8), mode, uid, gid, Read<long>(span, 48), mtime, links, Read<long>(span, 64), rawDevice, ctime);
    }

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

    [LibraryImport(Libc, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);

    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport(Libc, EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport(Libc, EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport(Libc, EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);
}
