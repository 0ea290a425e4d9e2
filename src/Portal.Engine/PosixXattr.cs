namespace Portal.Engine;

using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

/// <summary>
/// Extended attributes (POSIX ACLs included: system.posix_acl_access / _default) of any entry below a folder descriptor,
/// symlinks and FIFOs too, never following a link: with listxattrat/getxattrat/setxattrat/removexattrat (Linux 6.13+),
/// else through the entry's /proc/self/fd/N/name path with the l*xattr calls.
/// </summary>
internal static unsafe partial class Posix
{
    // The same numbers on x86_64 and arm64 (syscalls from 424 on are shared).
    private const long SetXattrAt = 463, GetXattrAt = 464, ListXattrAt = 465, RemoveXattrAt = 466;

    private static volatile bool _xattrAtMissing;

    /// <summary>Every attribute of an entry; what exists but cannot be read is passed to <paramref name="unreadable"/>.</summary>
    public static List<(byte[] Name, byte[] Value)> ReadXattrs(SafeFileHandle folder, ReadOnlySpan<byte> name, Action<byte[], int> unreadable)
    {
        var attributes = new List<(byte[], byte[])>();
        var entry = new XattrEntry(folder, name);
        var list = ReadSized(entry.List, out var errno);
        if (list is null)
        {
            return errno == EOpNotSupp ? attributes : throw new PosixException(errno, "listxattr", FileNames.Display(name));
        }

        foreach (var range in ((ReadOnlySpan<byte>)list).Split((byte)0))
        {
            var attribute = list.AsSpan()[range].ToArray();
            if (attribute.Length == 0)
            {
                continue;
            }

            var key = Terminated(attribute);
            var value = ReadSized((buffer, size) => entry.Get(key, buffer, size), out errno);
            if (value is not null)
            {
                attributes.Add((attribute, value));
            }
            else if (errno is ENoEnt or ENotDir)
            {
                throw new PosixException(errno, "getxattr", FileNames.Display(name));
            }
            else if (errno != ENoData)
            {
                // ENODATA: removed since the listing, nothing to keep.
                unreadable(attribute, errno);
            }
        }

        return attributes;
    }

    /// <summary>Sets one attribute; returns 0 or the errno, since some fail by design (privileges, filesystem support).</summary>
    public static int TrySetXattr(SafeFileHandle folder, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attribute, ReadOnlySpan<byte> value)
    {
        fixed (byte* data = value)
        {
            return new XattrEntry(folder, name).Set(Terminated(attribute), data, (nuint)value.Length) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Removes an attribute if present; a filesystem without extended attributes has none to remove.</summary>
    public static void RemoveXattr(SafeFileHandle folder, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attribute)
    {
        if (new XattrEntry(folder, name).Remove(Terminated(attribute)) != 0 && Marshal.GetLastPInvokeError() is not (ENoData or EOpNotSupp))
        {
            throw Failure("removexattr", name);
        }
    }

    /// <summary>Asks for the size, then reads; retries when the value grew in between (ERANGE). Null with the errno on failure.</summary>
    private static byte[]? ReadSized(SizedRead read, out int errno)
    {
        while (true)
        {
            errno = 0;
            var size = read(null, 0);
            if (size < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return null;
            }

            var buffer = new byte[size];
            fixed (byte* start = buffer)
            {
                var length = size == 0 ? 0 : read(start, (nuint)size);
                if (length >= 0)
                {
                    return buffer[..(int)length];
                }
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != ERange)
            {
                return null;
            }
        }
    }

    /// <summary>True (and remembered) when the kernel predates the *xattrat calls, so the /proc path is used from then on.</summary>
    private static bool XattrAtMissing()
    {
        if (Marshal.GetLastPInvokeError() != ENoSys)
        {
            return false;
        }

        if (!Directory.Exists("/proc/self/fd"))
        {
            // Without /proc every entry would look vanished: say what is missing instead.
            throw new SnapshotEngineException("Mount snapshots need /proc mounted on kernels before Linux 6.13 (extended attributes are read through /proc/self/fd).");
        }

        _xattrAtMissing = true;
        return true;
    }

    private delegate nint SizedRead(byte* buffer, nuint size);

    private delegate nint ProcCall(byte* procPath, byte* attribute);

    /// <summary>struct xattr_args of the *xattrat calls: where the value is, its size, and flags (XATTR_CREATE/REPLACE).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct XattrArgs
    {
        public ulong Value;
        public uint Size;
        public uint Flags;
    }

    /// <summary>One entry, named by folder descriptor and name, whose attributes are read or written.</summary>
    private sealed class XattrEntry(SafeFileHandle folder, byte[] name)
    {
        private byte[]? _procPath;

        public XattrEntry(SafeFileHandle folder, ReadOnlySpan<byte> name)
            : this(folder, Terminated(name))
        {
        }

        public nint List(byte* buffer, nuint size)
        {
            fixed (byte* path = name)
            {
                if (!_xattrAtMissing)
                {
                    var result = SyscallListXattrAt(ListXattrAt, folder, path, AtSymlinkNoFollow, buffer, size);
                    if (result >= 0 || !XattrAtMissing())
                    {
                        return result;
                    }
                }
            }

            fixed (byte* path = ProcPath())
            {
                return LListXattr(path, buffer, size);
            }
        }

        public nint Get(byte[] key, byte* buffer, nuint size) =>
            WithValue(GetXattrAt, key, buffer, size, (proc, attribute) => LGetXattr(proc, attribute, buffer, size));

        public nint Set(byte[] key, byte* value, nuint size) =>
            WithValue(SetXattrAt, key, value, size, (proc, attribute) => LSetXattr(proc, attribute, value, size, 0));

        public nint Remove(byte[] key)
        {
            fixed (byte* path = name)
            fixed (byte* attribute = key)
            {
                if (!_xattrAtMissing)
                {
                    var result = SyscallRemoveXattrAt(RemoveXattrAt, folder, path, AtSymlinkNoFollow, attribute);
                    if (result >= 0 || !XattrAtMissing())
                    {
                        return result;
                    }
                }

                fixed (byte* proc = ProcPath())
                {
                    return LRemoveXattr(proc, attribute);
                }
            }
        }

        /// <summary>getxattrat/setxattrat take the value's buffer in a struct; the fallback passes it to lgetxattr/lsetxattr.</summary>
        private nint WithValue(long call, byte[] key, byte* value, nuint size, ProcCall fallback)
        {
            fixed (byte* path = name)
            fixed (byte* attribute = key)
            {
                if (!_xattrAtMissing)
                {
                    var args = new XattrArgs { Value = (ulong)value, Size = (uint)size };
                    var result = SyscallXattrAt(call, folder, path, AtSymlinkNoFollow, attribute, &args, (nuint)sizeof(XattrArgs));
                    if (result >= 0 || !XattrAtMissing())
                    {
                        return result;
                    }
                }

                fixed (byte* proc = ProcPath())
                {
                    return fallback(proc, attribute);
                }
            }
        }

        /// <summary>"/proc/self/fd/N/name": before Linux 6.13, the only way to reach a symlink's or FIFO's attributes below a descriptor.</summary>
        private byte[] ProcPath() => _procPath ??= [.. Encoding.ASCII.GetBytes($"/proc/self/fd/{folder.DangerousGetHandle()}/"), .. name];
    }

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint SyscallListXattrAt(long number, SafeFileHandle dirFd, byte* path, long atFlags, byte* list, nuint size);

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint SyscallXattrAt(long number, SafeFileHandle dirFd, byte* path, long atFlags, byte* name, XattrArgs* args, nuint size);

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint SyscallRemoveXattrAt(long number, SafeFileHandle dirFd, byte* path, long atFlags, byte* name);

    [LibraryImport(Libc, EntryPoint = "llistxattr", SetLastError = true)]
    private static partial nint LListXattr(byte* path, byte* list, nuint size);

    [LibraryImport(Libc, EntryPoint = "lgetxattr", SetLastError = true)]
    private static partial nint LGetXattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(Libc, EntryPoint = "lsetxattr", SetLastError = true)]
    private static partial int LSetXattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(Libc, EntryPoint = "lremovexattr", SetLastError = true)]
    private static partial int LRemoveXattr(byte* path, byte* name);
}
