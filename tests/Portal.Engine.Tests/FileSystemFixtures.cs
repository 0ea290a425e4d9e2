namespace Portal.Engine.Tests;

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

/// <summary>Creates entries by folder descriptor and byte name: names .NET strings cannot hold, paths beyond PATH_MAX.</summary>
internal static partial class ByteFiles
{
    public const uint FileMode = 0x1A4; // 0644
    public const uint FolderMode = 0x1ED; // 0755

    public static SafeFileHandle Folder(SafeFileHandle parent, byte[] name)
    {
        Posix.MakeDirectoryAt(parent, name, FolderMode);
        return Posix.OpenAt(parent, name, Posix.ReadOnly | Posix.DirectoryOnly);
    }

    public static void File(SafeFileHandle folder, byte[] name, byte[] content)
    {
        using var file = Posix.OpenAt(folder, name, Posix.WriteOnly | Posix.Create | Posix.Exclusive, FileMode);
        RandomAccess.Write(file, content, 0);
    }

    public static void HardLink(string existing, string link)
    {
        using var from = Posix.OpenDirectory(Path.GetDirectoryName(existing)!);
        using var to = Posix.OpenDirectory(Path.GetDirectoryName(link)!);
        Posix.LinkAt(from, System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(existing)), to, System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(link)));
    }

    public static void SetXattr(SafeFileHandle folder, byte[] name, byte[] attribute, byte[] value)
    {
        var errno = Posix.TrySetXattr(folder, name, attribute, value);
        Assert.True(errno == 0, $"setting {FileNames.Display(attribute)}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>A character or block device node (type 0x2000 / 0x6000), which only root may create.</summary>
    public static void Device(string path, uint type, uint major, uint minor)
    {
        var device = ((ulong)(major & 0xFFF) << 8) | (minor & 0xFF);
        Assert.True(MkNod(path, type | 0x1A4, device) == 0, $"mknod {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>Sets or clears the immutable attribute (chattr +i), which refuses changes even to root.</summary>
    public static unsafe bool TrySetImmutable(string path, bool immutable)
    {
        const uint GetFlags = 0x80086601, SetFlags = 0x40086602, Immutable = 0x10;
        using var folder = Posix.OpenDirectory(path);
        int flags;
        if (IoCtl(folder, GetFlags, &flags) != 0)
        {
            return false;
        }

        flags = immutable ? flags | (int)Immutable : flags & ~(int)Immutable;
        return IoCtl(folder, SetFlags, &flags) == 0;
    }

    [LibraryImport("libc.so.6", EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkNod(string path, uint mode, ulong device);

    [LibraryImport("libc.so.6", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoCtl(SafeFileHandle fd, nuint request, int* argument);
}

/// <summary>A test that needs root or a filesystem feature fails under CI=true when it is missing, and skips elsewhere.</summary>
internal static class Prerequisite
{
    public static bool IsRoot => Posix.EffectiveUserId == 0;

    public static void Require(bool met, string what)
    {
        if (met)
        {
            return;
        }

        var message = $"This test needs {what}.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    /// <summary>Whether the folder's filesystem stores an extended attribute of that name (user xattrs, POSIX ACLs).</summary>
    public static void RequireXattr(string folder, byte[] attribute, byte[] value)
    {
        var probe = Path.Combine(folder, ".xattr-probe");
        File.WriteAllBytes(probe, []);
        using var parent = Posix.OpenDirectory(folder);
        var errno = Posix.TrySetXattr(parent, ".xattr-probe"u8.ToArray(), attribute, value);
        File.Delete(probe);
        Require(errno == 0, $"a filesystem under {folder} that stores {FileNames.Display(attribute)} ({Marshal.GetPInvokeErrorMessage(errno)})");
    }
}
