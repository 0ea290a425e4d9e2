namespace Portal.Engine.Tests.Adapters.Mounts;

using System.Text.Json.Nodes;
using Portal.Contracts;

/// <summary>What a user can fix is said in a sentence that names the disk or path, the size or the user; nothing is changed.</summary>
public sealed class MountRestoreErrorTests : IDisposable
{
    private const int ChunkSize = 64 << 20;
    private readonly Workspace _ws = new(chunkSize: ChunkSize);
    private readonly string _media;

    public MountRestoreErrorTests()
    {
        _media = _ws.PathOf("env/media");
        Directory.CreateDirectory(_media);
        File.WriteAllText(Path.Combine(_media, "a.txt"), "alpha");
        File.CreateSymbolicLink(Path.Combine(_media, "link"), "a.txt");
    }

    private ServiceSpec Media => new("media", ServiceKind.Mount, _media);

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task RestoreThatCannotFitNamesTheMountsDiskAndAboutHowMuchItNeeds()
    {
        File.WriteAllBytes(Path.Combine(_media, "zeros.bin"), new byte[ChunkSize]);
        await _ws.CaptureAsync("s1", Media);
        // The same stored 64 MiB chunk, listed again and again: a file larger than the free space, stored in a few kB.
        var free = new DriveInfo(_media).AvailableFreeSpace;
        var copies = (free / ChunkSize) + 100;
        var manifest = JsonNode.Parse(File.ReadAllText(_ws.ManifestFile("s1")))!;
        var zeros = manifest["services"]![0]!["mount"]!["entries"]!.AsArray().Single(e => e!["path"]!.GetValue<string>() == "zeros.bin")!;
        var chunk = zeros["chunks"]![0]!.ToJsonString();
        zeros["chunks"] = JsonNode.Parse("[" + string.Join(",", Enumerable.Repeat(chunk, (int)copies)) + "]");
        zeros["size"] = copies * ChunkSize;
        File.WriteAllText(_ws.ManifestFile("s1"), manifest.ToJsonString());
        var before = Tree.Describe(_media);

        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.RestoreAsync("s1", Media));

        Assert.Contains("not enough free space", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"the disk holding {_media} needs about {copies * ChunkSize / 1e9:0.0} GB free", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Tree.Describe(_media));
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(_media)!, ".media.portal-*"));
    }

    [Fact]
    public async Task DeniedPathNamesThePathAndTheUserPortalRunsAs()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "root, to make a folder immutable");
        await _ws.CaptureAsync("s1", Media);
        var environment = Path.GetDirectoryName(_media)!;
        // Immutable refuses every change even to root, the one way a root test can be denied like an unprivileged Portal.
        Prerequisite.Require(ByteFiles.TrySetImmutable(environment, immutable: true), $"a filesystem under {environment} with the immutable attribute");
        SnapshotEngineException ex;
        try
        {
            ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.RestoreAsync("s1", Media));
        }
        finally
        {
            ByteFiles.TrySetImmutable(environment, immutable: false);
        }

        Assert.Contains($"permission denied writing {environment}/.media.portal-restore-", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"Portal runs as user '{Environment.UserName}' (uid 0)", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(environment, ".media.portal-*"));
    }

    [Fact]
    public async Task AttributeTheTargetRefusesIsNamedInAWarningAndTheRestIsRestored()
    {
        await _ws.CaptureAsync("s1", Media);
        var manifest = JsonNode.Parse(File.ReadAllText(_ws.ManifestFile("s1")))!;
        // Linux refuses user.* attributes on symlinks; another system's snapshot could carry one.
        var link = manifest["services"]![0]!["mount"]!["entries"]!.AsArray().Single(e => e!["path"]!.GetValue<string>() == "link")!;
        link["xattrs"] = JsonNode.Parse("""[{"name":"user.comment","value":"aGk="}]""");
        File.WriteAllText(_ws.ManifestFile("s1"), manifest.ToJsonString());
        var before = Tree.Describe(_media);
        File.Delete(Path.Combine(_media, "a.txt"));

        var result = await _ws.RestoreAsync("s1", Media);

        var warning = Assert.Single(result.Warnings);
        Assert.Contains($"extended attribute user.comment could not be restored on 1 entry (first: {_media}/link)", warning, StringComparison.Ordinal);
        Assert.Equal(before, Tree.Describe(_media));
    }
}
