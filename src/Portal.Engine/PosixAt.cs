namespace Portal.Engine;

using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

/// <summary>A failed system call; HResult is the errno, so callers tell a vanished entry from a denied one or a full disk.</summary>
internal sealed class PosixException(int errno, string call, string what)
    : IOException($"{call} {what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno)
{
    public int Errno => HResult;

    /// <summary>The entry (or a folder above it) was removed, or replaced by a file or a symlink.</summary>
    public bool IsGone => Errno is Posix.ENoEnt or Posix.ENotDir or Posix.ELoop;

    public bool IsDenied => Errno is Posix.EAcces or Posix.EPerm;

    public static bool IsNoSpace(IOException ex) => ex.HResult is Posix.ENoSpc or Posix.EDQuot;
}

/// <summary>
/// Calls on names (bytes, any length) relative to folder descriptors, so no name has to be valid UTF-8, no path is
/// limited to PATH_MAX, and no symlink on the way is ever followed.
/// </summary>
internal static unsafe partial class Posix
{
    public const int EPerm = 1, ENoEnt = 2, ENxio = 6, EAcces = 13, ENotDir = 20, EIsDir = 21, EInval = 22, ENoSpc = 28,
        ERange = 34, ENameTooLong = 36, ENoSys = 38, ELoop = 40, ENoData = 61, EOpNotSupp = 95, EDQuot = 122;

    public const int ReadOnly = 0, WriteOnly = 1, Create = 0x40, Exclusive = 0x80, NonBlocking = 0x800, CloseOnExec = 0x80000, PathOnly = 0x200000;

    private const int AtRemoveDir = 0x200;
    private const int SeekData = 3, SeekHole = 4;
    private const long OpenAt2 = 437; // the same number on x86_64 and arm64 (syscalls from 424 on are shared)
    private const ulong ResolveNoSymlinks = 4, ResolveBeneath = 8;

    private static volatile bool _openAt2Missing;

    /// <summary>O_DIRECTORY: 0x10000 on x86_64, 0x4000 on arm64.</summary>
    public static int DirectoryOnly => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 0x10000 : 0x4000;

    /// <summary>O_NOFOLLOW: 0x20000 on x86_64, 0x8000 on arm64.</summary>
    public static int NoFollow => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 0x20000 : 0x8000;

    public static uint EffectiveUserId => GetEUid();

    /// <summary>For tests: take the ways older kernels need (no openat2, no *xattrat calls) while true.</summary>
    internal static bool OlderKernelPaths
    {
        get => _openAt2Missing && _xattrAtMissing;
        set => (_openAt2Missing, _xattrAtMissing) = (value, value);
    }

    /// <summary>A folder given by a configured path (text), opened for listing.</summary>
    public static SafeFileHandle OpenDirectory(string path)
    {
        EnsureSupported();
        var fd = Open(path, ReadOnly | DirectoryOnly | CloseOnExec);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Failure("open", path);
    }

    public static SafeFileHandle OpenAt(SafeFileHandle folder, ReadOnlySpan<byte> name, int flags, uint mode = 0)
    {
        fixed (byte* path = Terminated(name))
        {
            var fd = OpenAtNative(folder, path, flags | NoFollow | CloseOnExec, mode);
            return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Failure("openat", name);
        }
    }

    /// <summary>
    /// Opens a relative path below root without following any symlink and without leaving root: one openat2 call, or (old
    /// kernels, paths beyond PATH_MAX) one openat per component.
    /// </summary>
    public static SafeFileHandle OpenBeneath(SafeFileHandle root, ReadOnlySpan<byte> relative, int flags, uint mode = 0)
    {
        if (!_openAt2Missing)
        {
            var how = new OpenHow { Flags = (ulong)(flags | NoFollow | CloseOnExec), Mode = mode, Resolve = ResolveBeneath | ResolveNoSymlinks };
            fixed (byte* path = Terminated(relative))
            {
                var fd = (int)SyscallOpenAt2(OpenAt2, root, path, &how, (nuint)sizeof(OpenHow));
                if (fd >= 0)
                {
                    return new SafeFileHandle(fd, ownsHandle: true);
                }
            }

            var errno = Marshal.GetLastPInvokeError();
            _openAt2Missing |= errno == ENoSys;
            // EPERM may be a container's syscall filter rather than the file: the walk below tells which.
            if (errno is not (ENoSys or ENameTooLong or EPerm))
            {
                throw new PosixException(errno, "openat2", FileNames.Display(relative));
            }
        }

        return OpenByComponents(root, relative, flags, mode);
    }

    /// <summary>The folder holding a relative path (root itself, not owned, for a top-level name) and where the last name starts.</summary>
    public static SafeFileHandle OpenParent(SafeFileHandle root, ReadOnlySpan<byte> relative, out int nameStart)
    {
        var slash = FileNames.LastSeparator(relative);
        nameStart = slash + 1;
        return slash < 0 ? Borrow(root) : OpenBeneath(root, relative[..slash], PathOnly | DirectoryOnly);
    }

    /// <summary>A handle on the same descriptor that does not close it, for code that disposes what it is given.</summary>
    public static SafeFileHandle Borrow(SafeFileHandle handle) => new(handle.DangerousGetHandle(), ownsHandle: false);

    public static PosixStat StatAt(SafeFileHandle folder, ReadOnlySpan<byte> name)
    {
        var buffer = stackalloc byte[256];
        fixed (byte* path = Terminated(name))
        {
            return FStatAt(folder, path, buffer, AtSymlinkNoFollow) == 0
                ? ParseStat(new ReadOnlySpan<byte>(buffer, 256)) : throw Failure("fstatat", name);
        }
    }

    public static PosixStat Stat(SafeFileHandle file)
    {
        var buffer = stackalloc byte[256];
        return FStat(file, buffer) == 0 ? ParseStat(new ReadOnlySpan<byte>(buffer, 256)) : throw Failure("fstat", "(open file)");
    }

    /// <summary>Every name in a folder except "." and "..", as bytes, in the order the filesystem returns them.</summary>
    public static List<byte[]> ReadDirectory(SafeFileHandle folder)
    {
        // From the start even when the descriptor was listed before (getdents continues where it stopped).
        if (LSeek(folder, 0, 0) < 0)
        {
            throw Failure("lseek", "(folder)");
        }

        var names = new List<byte[]>();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            fixed (byte* start = buffer)
            {
                nint read;
                while ((read = GetDents64(folder, start, (nuint)buffer.Length)) > 0)
                {
                    // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, then the NUL-terminated name.
                    for (var offset = 0; offset < read;)
                    {
                        var record = buffer.AsSpan(offset, MemoryMarshal.Read<ushort>(buffer.AsSpan(offset + 16)));
                        var name = record[19..];
                        name = name[..name.IndexOf((byte)0)];
                        if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                        {
                            names.Add(name.ToArray());
                        }

                        offset += record.Length;
                    }
                }

                return read == 0 ? names : throw Failure("getdents64", "(folder)");
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] ReadLinkAt(SafeFileHandle folder, ReadOnlySpan<byte> name)
    {
        fixed (byte* path = Terminated(name))
        {
            for (var size = 4096; ; size *= 4)
            {
                var target = new byte[size];
                fixed (byte* buffer = target)
                {
                    var length = ReadLinkAtNative(folder, path, buffer, (nuint)size);
                    if (length < 0)
                    {
                        throw Failure("readlinkat", name);
                    }

                    if (length < size)
                    {
                        return target[..(int)length];
                    }
                }
            }
        }
    }

    public static void MakeDirectoryAt(SafeFileHandle folder, ReadOnlySpan<byte> name, uint mode)
    {
        fixed (byte* path = Terminated(name))
        {
            Check(MkDirAt(folder, path, mode), "mkdirat", name);
        }
    }

    public static void SymlinkAt(ReadOnlySpan<byte> target, SafeFileHandle folder, ReadOnlySpan<byte> name)
    {
        fixed (byte* to = Terminated(target))
        fixed (byte* path = Terminated(name))
        {
            Check(SymlinkAtNative(to, folder, path), "symlinkat", name);
        }
    }

    /// <summary>A second name for an existing file (a hard link); never follows a symlink.</summary>
    public static void LinkAt(SafeFileHandle fromFolder, ReadOnlySpan<byte> fromName, SafeFileHandle toFolder, ReadOnlySpan<byte> toName)
    {
        fixed (byte* from = Terminated(fromName))
        fixed (byte* to = Terminated(toName))
        {
            Check(LinkAtNative(fromFolder, from, toFolder, to, 0), "linkat", toName);
        }
    }

    public static void MakeFifoAt(SafeFileHandle folder, ReadOnlySpan<byte> name, uint mode)
    {
        fixed (byte* path = Terminated(name))
        {
            Check(MkNodAt(folder, path, PosixStat.Fifo | (mode & 0xFFF), 0), "mknodat", name);
        }
    }

    public static void SetOwnerAt(SafeFileHandle folder, ReadOnlySpan<byte> name, uint uid, uint gid)
    {
        fixed (byte* path = Terminated(name))
        {
            Check(FChownAt(folder, path, uid, gid, AtSymlinkNoFollow), "fchownat", name);
        }
    }

    /// <summary>Follows a final symlink (Linux cannot chmod one), so callers use it only on entries they created as non-links.</summary>
    public static void SetModeAt(SafeFileHandle folder, ReadOnlySpan<byte> name, uint mode)
    {
        fixed (byte* path = Terminated(name))
        {
            Check(FChModAt(folder, path, mode & 0xFFF, 0), "fchmodat", name);
        }
    }

    /// <summary>Sets atime and mtime without following a final symlink.</summary>
    public static void SetTimesAt(SafeFileHandle folder, ReadOnlySpan<byte> name, FileTime mtime)
    {
        var times = stackalloc long[4];
        times[0] = times[2] = mtime.Seconds;
        times[1] = times[3] = mtime.Nanoseconds;
        fixed (byte* path = Terminated(name))
        {
            Check(UtimensAt(folder, path, times, AtSymlinkNoFollow), "utimensat", name);
        }
    }

    public static void UnlinkAt(SafeFileHandle folder, ReadOnlySpan<byte> name, bool directory)
    {
        fixed (byte* path = Terminated(name))
        {
            Check(UnlinkAtNative(folder, path, directory ? AtRemoveDir : 0), directory ? "rmdir" : "unlink", name);
        }
    }

    /// <summary>
    /// The (offset, length) ranges of a file holding data, found with SEEK_DATA/SEEK_HOLE up to size; the rest are holes.
    /// Null when the filesystem cannot tell (then everything counts as data).
    /// </summary>
    public static List<(long Offset, long Length)>? DataRanges(SafeFileHandle file, long size)
    {
        var ranges = new List<(long, long)>();
        for (long position = 0; position < size;)
        {
            var data = LSeek(file, position, SeekData);
            if (data < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == ENxio ? ranges : errno is EInval or EOpNotSupp ? null : throw new PosixException(errno, "lseek", "SEEK_DATA");
            }

            if (data >= size)
            {
                break;
            }

            var hole = LSeek(file, data, SeekHole);
            var end = Math.Min(hole < 0 ? size : hole, size);
            ranges.Add((data, end - data));
            position = end;
        }

        return ranges;
    }

    public static void Truncate(SafeFileHandle file, long size)
    {
        if (FTruncate(file, size) != 0)
        {
            throw Failure("ftruncate", "(restored file)");
        }
    }

    /// <summary>Reserves a file's blocks without changing its size, so it lands in few extents; advisory, a failure changes nothing.</summary>
    public static void TryAllocate(SafeFileHandle file, long size)
    {
        const int KeepSize = 1;
        if (size > 0)
        {
            _ = FAllocate(file, KeepSize, 0, size);
        }
    }

    /// <summary>Tells the kernel a file is read front to back, so it reads ahead further (what FileOptions.SequentialScan does).</summary>
    public static void AdviseSequential(SafeFileHandle file)
    {
        const int Sequential = 2;
        _ = PosixFAdvise(file, 0, 0, Sequential);
    }

    /// <summary>Free bytes and inodes an unprivileged writer may use on the filesystem holding a folder (inodes long.MaxValue when it does not count them).</summary>
    public static (long Bytes, long Inodes, long BlockSize) FreeSpace(SafeFileHandle folder)
    {
        // struct statvfs on 64-bit Linux: eleven 8-byte fields (bsize, frsize, blocks, bfree, bavail, files, ffree, favail, ...).
        var buffer = stackalloc ulong[16];
        if (FStatVfs(folder, buffer) != 0)
        {
            throw Failure("fstatvfs", "(mount parent)");
        }

        var fragment = (long)buffer[1];
        return ((long)buffer[4] * fragment, buffer[5] == 0 ? long.MaxValue : (long)buffer[7], fragment);
    }

    private static SafeFileHandle OpenByComponents(SafeFileHandle root, ReadOnlySpan<byte> relative, int flags, uint mode)
    {
        var current = Borrow(root);
        try
        {
            int slash;
            while ((slash = relative.IndexOf(FileNames.Separator)) >= 0)
            {
                var next = OpenAt(current, relative[..slash], PathOnly | DirectoryOnly);
                current.Dispose();
                current = next;
                relative = relative[(slash + 1)..];
            }

            return OpenAt(current, relative, flags, mode);
        }
        finally
        {
            current.Dispose();
        }
    }

    internal static byte[] Terminated(ReadOnlySpan<byte> name)
    {
        var terminated = new byte[name.Length + 1];
        name.CopyTo(terminated);
        return terminated;
    }

    private static void Check(int result, string call, ReadOnlySpan<byte> name)
    {
        if (result != 0)
        {
            throw Failure(call, name);
        }
    }

    private static PosixException Failure(string call, ReadOnlySpan<byte> name) => Failure(call, FileNames.Display(name));

    private static PosixException Failure(string call, string what) => new(Marshal.GetLastPInvokeError(), call, what);

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint SyscallOpenAt2(long number, SafeFileHandle dirFd, byte* path, OpenHow* how, nuint size);

    [LibraryImport(Libc, EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAtNative(SafeFileHandle dirFd, byte* path, int flags, uint mode);

    [LibraryImport(Libc, EntryPoint = "fstatat", SetLastError = true)]
    private static partial int FStatAt(SafeFileHandle dirFd, byte* path, byte* buffer, int flags);

    [LibraryImport(Libc, EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(SafeFileHandle fd, byte* buffer);

    [LibraryImport(Libc, EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint GetDents64(SafeFileHandle fd, byte* buffer, nuint size);

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    private static partial nint ReadLinkAtNative(SafeFileHandle dirFd, byte* path, byte* buffer, nuint size);

    [LibraryImport(Libc, EntryPoint = "mkdirat", SetLastError = true)]
    private static partial int MkDirAt(SafeFileHandle dirFd, byte* path, uint mode);

    [LibraryImport(Libc, EntryPoint = "symlinkat", SetLastError = true)]
    private static partial int SymlinkAtNative(byte* target, SafeFileHandle dirFd, byte* path);

    [LibraryImport(Libc, EntryPoint = "linkat", SetLastError = true)]
    private static partial int LinkAtNative(SafeFileHandle fromDirFd, byte* fromPath, SafeFileHandle toDirFd, byte* toPath, int flags);

    [LibraryImport(Libc, EntryPoint = "mknodat", SetLastError = true)]
    private static partial int MkNodAt(SafeFileHandle dirFd, byte* path, uint mode, ulong device);

    [LibraryImport(Libc, EntryPoint = "fchownat", SetLastError = true)]
    private static partial int FChownAt(SafeFileHandle dirFd, byte* path, uint uid, uint gid, int flags);

    [LibraryImport(Libc, EntryPoint = "fchmodat", SetLastError = true)]
    private static partial int FChModAt(SafeFileHandle dirFd, byte* path, uint mode, int flags);

    [LibraryImport(Libc, EntryPoint = "utimensat", SetLastError = true)]
    private static partial int UtimensAt(SafeFileHandle dirFd, byte* path, long* times, int flags);

    [LibraryImport(Libc, EntryPoint = "unlinkat", SetLastError = true)]
    private static partial int UnlinkAtNative(SafeFileHandle dirFd, byte* path, int flags);

    [LibraryImport(Libc, EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int FTruncate(SafeFileHandle fd, long length);

    [LibraryImport(Libc, EntryPoint = "fallocate", SetLastError = true)]
    private static partial int FAllocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport(Libc, EntryPoint = "posix_fadvise")]
    private static partial int PosixFAdvise(SafeFileHandle fd, long offset, long length, int advice);

    [LibraryImport(Libc, EntryPoint = "fstatvfs", SetLastError = true)]
    private static partial int FStatVfs(SafeFileHandle fd, ulong* buffer);

    [LibraryImport(Libc, EntryPoint = "geteuid")]
    private static partial uint GetEUid();
}
