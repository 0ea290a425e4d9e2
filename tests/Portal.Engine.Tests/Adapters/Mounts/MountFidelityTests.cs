namespace Portal.Engine.Tests.Adapters.Mounts;

using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;
using Portal.Contracts;
using Portal.Engine.Adapters.Mounts;

/// <summary>Every legal name, link, special file, attribute and timestamp comes back byte for byte and lstat for lstat.</summary>
public sealed class MountFidelityTests : IDisposable
{
    private readonly Workspace _ws = new(chunkSize: 64 * 1024);
    private readonly string _media;
    private readonly SafeFileHandle _folder;

    public MountFidelityTests()
    {
        _media = _ws.PathOf("env/media");
        Directory.CreateDirectory(_media);
        _folder = Posix.OpenDirectory(_media);
    }

    private ServiceSpec Media => new("media", ServiceKind.Mount, _media);

    public void Dispose()
    {
        _folder.Dispose();
        _ws.Dispose();
    }

    [Fact]
    public async Task NamesThatAreNotUtf8AreStoredAsBytesAndRestoredExactly()
    {
        byte[] latin1 = [.. "caf"u8, 0xE9, .. ".txt"u8];
        ByteFiles.File(_folder, latin1, "latin-1 name"u8.ToArray());
        using (var odd = ByteFiles.Folder(_folder, [0xFF, 0xFE]))
        {
            ByteFiles.File(odd, [.. "inner"u8, 0x80], "in a folder whose name is not UTF-8"u8.ToArray());
        }

        Posix.SymlinkAt(latin1, _folder, [.. "link"u8, 0xC3]);
        ByteFiles.SetXattr(_folder, latin1, [.. "user.\xE9"u8, 0xE9], [0x00, 0xFF]);

        var restored = await RoundTripAsync();

        Assert.Equal(5, restored.Count);
        var manifest = Encoding.UTF8.GetString(File.ReadAllBytes(_ws.ManifestFile("s1")));
        Assert.Contains($"\"pathBytes\":\"{Convert.ToBase64String(latin1)}\"", manifest, StringComparison.Ordinal);
        Assert.Contains("\"linkTargetBytes\"", manifest, StringComparison.Ordinal);
        Assert.Contains("\"nameBytes\"", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamesWithANewlineRoundTrip()
    {
        using (var folder = ByteFiles.Folder(_folder, "two\nlines"u8.ToArray()))
        {
            ByteFiles.File(folder, "line\nbreak.txt"u8.ToArray(), "newline"u8.ToArray());
        }

        Posix.SymlinkAt("two\nlines/line\nbreak.txt"u8, _folder, "link\nname"u8.ToArray());

        var restored = await RoundTripAsync();

        Assert.Contains(restored, line => line.StartsWith("two\\nlines/line\\nbreak.txt file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LongestNamesAndAPathBeyondPathMaxRoundTrip()
    {
        var longest = Encoding.UTF8.GetBytes(new string('n', 255));
        var longestMultibyte = Encoding.UTF8.GetBytes(new string('é', 127) + "x");
        Assert.Equal(255, longestMultibyte.Length);
        ByteFiles.File(_folder, longest, "255 bytes"u8.ToArray());
        ByteFiles.File(_folder, longestMultibyte, "255 bytes of two-byte characters"u8.ToArray());
        var depth = 0;
        var folder = Posix.Borrow(_folder);
        for (var length = 0; length <= 4096; length += 251, depth++)
        {
            var next = ByteFiles.Folder(folder, Encoding.UTF8.GetBytes($"{depth:D3}" + new string('d', 247)));
            folder.Dispose();
            folder = next;
        }

        ByteFiles.File(folder, longest, "deeper than PATH_MAX"u8.ToArray());
        Posix.SymlinkAt(longest, folder, "link"u8);
        folder.Dispose();

        var restored = await RoundTripAsync();

        Assert.Contains(restored, line => line.Length > 4096 && line.Contains("sha256=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HardLinksAcrossFoldersComeBackAsOneInodeStoredOnce()
    {
        Directory.CreateDirectory(Path.Combine(_media, "a"));
        Directory.CreateDirectory(Path.Combine(_media, "b/deeper"));
        var content = MountSnapshotTests.RandomBytes(200 * 1024, seed: 7);
        File.WriteAllBytes(Path.Combine(_media, "a/one.bin"), content);
        ByteFiles.HardLink(Path.Combine(_media, "a/one.bin"), Path.Combine(_media, "b/deeper/two.bin"));
        ByteFiles.HardLink(Path.Combine(_media, "a/one.bin"), Path.Combine(_media, "a/three.bin"));
        File.WriteAllBytes(Path.Combine(_media, "b/separate.bin"), content);

        var restored = await RoundTripAsync();

        Assert.Equal(2 * content.Length, _ws.Engine.LastCapture.BytesHashed);
        var one = Posix.LStat(Path.Combine(_media, "a/one.bin"));
        Assert.Equal(3, one.Links);
        Assert.Equal(one.Inode, Posix.LStat(Path.Combine(_media, "b/deeper/two.bin")).Inode);
        Assert.Equal(one.Inode, Posix.LStat(Path.Combine(_media, "a/three.bin")).Inode);
        Assert.Equal(1, Posix.LStat(Path.Combine(_media, "b/separate.bin")).Links);
        Assert.Contains(restored, line => line.Contains("same-inode-as=a/one.bin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SparseFileIsReadAndRestoredAsItsDataOnly()
    {
        const long GiB = 1L << 30, KiB = 1024;
        var path = Path.Combine(_media, "disk.img");
        using (var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.SetLength(file, GiB);
            RandomAccess.Write(file, MountSnapshotTests.RandomBytes(256 * (int)KiB, seed: 1), 0);
            RandomAccess.Write(file, MountSnapshotTests.RandomBytes(512 * (int)KiB, seed: 2), 512L << 20);
            RandomAccess.Write(file, MountSnapshotTests.RandomBytes(256 * (int)KiB, seed: 3), GiB - (256 * KiB));
        }

        var before = Tree.Describe(_media);
        await _ws.CaptureAsync("s1", Media);
        Assert.Equal(1L << 20, _ws.Engine.LastCapture.BytesHashed);
        var ranges = JsonNode.Parse(File.ReadAllText(_ws.ManifestFile("s1")))!["services"]![0]!["mount"]!["entries"]![0]!["dataRanges"]!.ToJsonString();
        Assert.Equal("""[{"offset":0,"length":262144},{"offset":536870912,"length":524288},{"offset":1073479680,"length":262144}]""", ranges);
        File.Delete(path);

        await _ws.RestoreAsync("s1", Media);

        var restored = Posix.LStat(path);
        Assert.Equal(GiB, restored.Size);
        Assert.True(restored.AllocatedBytes <= (1L << 20) + (64 * KiB), $"restored file allocates {restored.AllocatedBytes} bytes");
        Assert.Equal(before, Tree.Describe(_media));
    }

    [Fact]
    public async Task UserExtendedAttributesRoundTrip()
    {
        Prerequisite.RequireXattr(_media, "user.probe"u8.ToArray(), [1]);
        File.WriteAllText(Path.Combine(_media, "tagged.txt"), "tagged");
        Directory.CreateDirectory(Path.Combine(_media, "folder"));
        ByteFiles.SetXattr(_folder, "tagged.txt"u8.ToArray(), "user.mime_type"u8.ToArray(), "text/plain"u8.ToArray());
        ByteFiles.SetXattr(_folder, "tagged.txt"u8.ToArray(), "user.empty"u8.ToArray(), []);
        ByteFiles.SetXattr(_folder, "tagged.txt"u8.ToArray(), "user.binary"u8.ToArray(), MountSnapshotTests.RandomBytes(3000, seed: 4));
        ByteFiles.SetXattr(_folder, "folder"u8.ToArray(), "user.on-a-folder"u8.ToArray(), "yes"u8.ToArray());

        var restored = await RoundTripAsync();

        Assert.Contains(restored, line => line.StartsWith("tagged.txt", StringComparison.Ordinal) && line.Contains("user.empty=,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AttributeChangedOnAnOtherwiseUnchangedFileIsReadAgainByTheNextCapture()
    {
        Prerequisite.RequireXattr(_media, "user.probe"u8.ToArray(), [1]);
        File.WriteAllText(Path.Combine(_media, "tagged.txt"), "same content");
        ByteFiles.SetXattr(_folder, "tagged.txt"u8.ToArray(), "user.version"u8.ToArray(), "1"u8.ToArray());
        Tree.SetOldMTime(_media);
        await _ws.CaptureAsync("s1", Media);
        // As if s1 had started an hour from now: the file's ctime is then settled, so its recorded attributes may be reused.
        var manifest = JsonNode.Parse(File.ReadAllText(_ws.ManifestFile("s1")))!;
        manifest["createdAt"] = DateTimeOffset.UtcNow.AddHours(1);
        File.WriteAllText(_ws.ManifestFile("s1"), manifest.ToJsonString());
        ByteFiles.SetXattr(_folder, "tagged.txt"u8.ToArray(), "user.version"u8.ToArray(), "2"u8.ToArray());
        var before = Tree.Describe(_media);

        await _ws.CaptureAsync("s2", Media);
        File.WriteAllText(Path.Combine(_media, "tagged.txt"), "changed");
        await _ws.RestoreAsync("s2", Media);

        Assert.Equal(0, _ws.Engine.LastCapture.BytesHashed);
        Assert.Equal(before, Tree.Describe(_media));
    }

    [Fact]
    public async Task AccessAndDefaultAclsRoundTrip()
    {
        // The kernel's xattr form of an ACL: version 2, then (tag, permissions, id) entries sorted by tag.
        var access = Acl((0x01, 6, uint.MaxValue), (0x02, 4, 1234), (0x04, 4, uint.MaxValue), (0x10, 4, uint.MaxValue), (0x20, 0, uint.MaxValue));
        var inherited = Acl((0x01, 7, uint.MaxValue), (0x02, 5, 1234), (0x04, 5, uint.MaxValue), (0x10, 5, uint.MaxValue), (0x20, 5, uint.MaxValue));
        Prerequisite.RequireXattr(_media, "system.posix_acl_access"u8.ToArray(), access);
        File.WriteAllText(Path.Combine(_media, "shared.txt"), "acl");
        Directory.CreateDirectory(Path.Combine(_media, "inbox"));
        ByteFiles.SetXattr(_folder, "shared.txt"u8.ToArray(), "system.posix_acl_access"u8.ToArray(), access);
        ByteFiles.SetXattr(_folder, "inbox"u8.ToArray(), "system.posix_acl_default"u8.ToArray(), inherited);
        // Created after the default ACL, so it inherits one: the restore must not add or lose any on the way.
        File.WriteAllText(Path.Combine(_media, "inbox/inherited.txt"), "inherits");

        var restored = await RoundTripAsync();

        Assert.Contains(restored, line => line.StartsWith("shared.txt", StringComparison.Ordinal) && line.Contains("mode=640", StringComparison.Ordinal)
            && line.Contains("system.posix_acl_access=", StringComparison.Ordinal));
        Assert.Contains(restored, line => line.StartsWith("inbox/inherited.txt", StringComparison.Ordinal) && line.Contains("system.posix_acl_access=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FifoIsRecreated()
    {
        Posix.MakeFifoAt(_folder, "pipe"u8, 0x1B0);
        Posix.SetModeAt(_folder, "pipe"u8, 0x1B0);
        Posix.SetOwnerAt(_folder, "pipe"u8, 33, 33);

        var restored = await RoundTripAsync();

        Assert.Contains(restored, line => line.StartsWith("pipe fifo mode=660 uid=33", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-2, 500_000_000)] // -1.5 s
    [InlineData(-1, 999_999_999)]
    [InlineData(0, 0)]
    [InlineData(1_700_000_000, 123_456_789)]
    [InlineData(13_569_465_600, 987_654_321)] // 2400-01-01, beyond a 64-bit nanosecond count
    public async Task ModificationTimesComeBackToTheNanosecond(long seconds, long nanoseconds)
    {
        var time = new FileTime(seconds, nanoseconds);
        Directory.CreateDirectory(Path.Combine(_media, "folder"));
        File.WriteAllText(Path.Combine(_media, "folder/file.txt"), "time");
        File.CreateSymbolicLink(Path.Combine(_media, "link"), "folder/file.txt");
        Posix.MakeFifoAt(_folder, "pipe"u8, 0x1A4);
        foreach (var entry in new[] { "folder/file.txt", "folder", "link", "pipe", "" })
        {
            Posix.SetMTime(Path.Combine(_media, entry), time);
        }

        Assert.Equal(time, Posix.LStat(Path.Combine(_media, "folder/file.txt")).MTime);
        var restored = await RoundTripAsync();

        Assert.All(restored, line => Assert.Contains($"mtime={time} ", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SocketAndDeviceAreNamedInWarningsAndTheCaptureSucceeds()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "root, to create a device node");
        File.WriteAllText(Path.Combine(_media, "kept.txt"), "kept");
        var socketPath = Path.Combine(_media, "app.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        ByteFiles.Device(Path.Combine(_media, "null-device"), 0x2000, 1, 3);
        ByteFiles.Device(Path.Combine(_media, "disk-device"), 0x6000, 7, 0);

        var result = await _ws.CaptureAsync("s1", Media);

        Assert.Equal(3, result.Warnings.Count);
        Assert.Contains(result.Warnings, w => w.Contains(socketPath, StringComparison.Ordinal) && w.Contains("socket", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains(Path.Combine(_media, "null-device"), StringComparison.Ordinal) && w.Contains("character device (1:3)", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains(Path.Combine(_media, "disk-device"), StringComparison.Ordinal) && w.Contains("block device (7:0)", StringComparison.Ordinal));
        await _ws.RestoreAsync("s1", Media);
        Assert.Equal(["kept.txt"], Directory.GetFileSystemEntries(_media).Select(p => Path.GetFileName(p)).ToArray());
    }

    [Fact]
    public async Task OnKernelsWithoutOpenat2OrXattrAtCallsEveryKindStillRoundTrips()
    {
        Prerequisite.RequireXattr(_media, "user.probe"u8.ToArray(), [1]);
        byte[] odd = [.. "odd"u8, 0xFF];
        using (var folder = ByteFiles.Folder(_folder, odd))
        {
            ByteFiles.File(folder, "file.txt"u8.ToArray(), "content"u8.ToArray());
            ByteFiles.SetXattr(folder, "file.txt"u8.ToArray(), "user.tag"u8.ToArray(), "value"u8.ToArray());
            Posix.SymlinkAt("file.txt"u8, folder, "link"u8);
            Posix.MakeFifoAt(folder, "pipe"u8, 0x1A4);
            Posix.LinkAt(folder, "file.txt"u8, _folder, "second-name.txt"u8);
        }

        // Both ways give the same result, so other tests running meanwhile may take either.
        Posix.OlderKernelPaths = true;
        try
        {
            await RoundTripAsync();
        }
        finally
        {
            Posix.OlderKernelPaths = false;
        }
    }

    [Fact]
    public async Task AManifestWrittenBeforeTheseFieldsExistedStillRestores()
    {
        File.WriteAllText(Path.Combine(_media, "a.txt"), "alpha");
        await _ws.CaptureAsync("s0", Media);
        var hash = JsonNode.Parse(File.ReadAllText(_ws.ManifestFile("s0")))!["services"]![0]!["mount"]!["entries"]![0]!["chunks"]![0]!["hash"]!.GetValue<string>();
        // Exactly what the engine wrote before names became bytes: no pathBytes, xattrs, dataRanges, mTimeSeconds.
        File.WriteAllText(_ws.ManifestFile("old"), $$$"""
            {"version":1,"snapshotId":"old","environmentKey":"env-1","createdAt":"2025-01-02T03:04:05+00:00","services":[{"name":"media","kind":"Mount","size":5,
            "mount":{"root":{"path":"","type":"Directory","mode":493,"uid":0,"gid":0,"mTimeNs":1700000000123456789,"size":0,"device":1,"inode":2},
            "entries":[{"path":"docs","type":"Directory","mode":448,"uid":33,"gid":33,"mTimeNs":-1500000000,"size":0,"device":1,"inode":3},
            {"path":"docs/a.txt","type":"File","mode":420,"uid":33,"gid":33,"mTimeNs":1600000000000000001,"size":5,"device":1,"inode":4,"chunks":[{"hash":"{{{hash}}}","size":5}]},
            {"path":"docs/link","type":"Symlink","mode":511,"uid":0,"gid":0,"mTimeNs":0,"size":0,"device":1,"inode":5,"linkTarget":"a.txt"}]}}]}
            """);

        await _ws.RestoreAsync("old", Media);

        Assert.Equal(
            [
                ". dir mode=755 uid=0 gid=0 mtime=1700000000.123456789 nlink=3 xattrs=[]",
                "docs dir mode=700 uid=33 gid=33 mtime=-2.500000000 nlink=2 xattrs=[]",
                "docs/a.txt file size=5 sha256=8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8 mode=644 uid=33 gid=33 mtime=1600000000.000000001 nlink=1 xattrs=[]",
                "docs/link link -> a.txt mode= uid=0 gid=0 mtime=0.000000000 nlink=1 xattrs=[]",
            ],
            Tree.Describe(_media));
    }

    /// <summary>Captures, empties the mount, restores; the tree must read back the same, line for line.</summary>
    private async Task<IReadOnlyList<string>> RoundTripAsync()
    {
        var before = Tree.Describe(_media);
        var capture = await _ws.CaptureAsync("s1", Media);
        Assert.Empty(capture.Warnings);
        foreach (var name in Posix.ReadDirectory(_folder))
        {
            MountSwap.RemoveEntry(_folder, name);
        }

        Assert.Single(Tree.Describe(_media));
        var restore = await _ws.RestoreAsync("s1", Media);

        Assert.Empty(restore.Warnings);
        var after = Tree.Describe(_media);
        Assert.Equal(before, after);
        return after;
    }

    private static byte[] Acl(params (ushort Tag, ushort Permissions, uint Id)[] entries)
    {
        var acl = new List<byte>(BitConverter.GetBytes(2u));
        foreach (var (tag, permissions, id) in entries)
        {
            acl.AddRange(BitConverter.GetBytes(tag));
            acl.AddRange(BitConverter.GetBytes(permissions));
            acl.AddRange(BitConverter.GetBytes(id));
        }

        return [.. acl];
    }
}
