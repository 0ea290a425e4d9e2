namespace Portal.Engine.Tests;

using System.Text.Json.Nodes;
using Portal.Contracts;

public sealed class RestoreSafetyTests : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly string _media;
    private readonly string _db;

    public RestoreSafetyTests()
    {
        _media = _ws.PathOf("env/var");
        Directory.CreateDirectory(Path.Combine(_media, "cache"));
        File.WriteAllText(Path.Combine(_media, "cache/one.txt"), "one");
        File.WriteAllText(Path.Combine(_media, "two.txt"), "two");
        File.CreateSymbolicLink(Path.Combine(_media, "link"), "cache");
        _db = _ws.PathOf("env/app.db");
        Db.Execute(_db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');");
    }

    private ServiceSpec[] Services => [new("var", ServiceKind.Mount, _media), new("db", ServiceKind.Sqlite, _db)];

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task ConcurrentServicesReportTheFailingServiceAndWriteNoManifest()
    {
        var missing = _ws.PathOf("env/not-there");
        ServiceSpec[] services = [.. Services, new("gone", ServiceKind.Mount, missing)];

        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.CaptureAsync("s1", services));

        Assert.Contains("'gone'", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_ws.ManifestFile("s1")));
    }

    [Fact]
    public async Task RestoreRefusesFlippedByteBeforeTouchingAnything()
    {
        await _ws.CaptureAsync("s1", Services);
        var twoHash = FileHash("two.txt");
        var objectPath = _ws.ObjectFile(twoHash);
        var bytes = File.ReadAllBytes(objectPath);
        // The object's last byte is content (a tiny file is stored in a raw zstd block), so the flip changes what would be restored.
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(objectPath, bytes);
        var state = Mutate();

        var ex = await Assert.ThrowsAsync<SnapshotCorruptException>(() => _ws.RestoreAsync("s1", Services));

        Assert.Contains(twoHash, ex.Message, StringComparison.Ordinal);
        Assert.Contains("var:two.txt", ex.Message, StringComparison.Ordinal);
        Assert.Equal(state, CurrentState());
        AssertNoStagedFolderLeft();
        await Assert.ThrowsAsync<SnapshotCorruptException>(() => _ws.Engine.VerifyAsync("s1", Workspace.Token));
    }

    [Fact]
    public async Task RestoreRefusesMissingObjectBeforeTouchingAnything()
    {
        await _ws.CaptureAsync("s1", Services);
        var dbHash = Manifest()["services"]![1]!["chunks"]![0]!["hash"]!.GetValue<string>();
        File.Delete(_ws.ObjectFile(dbHash));
        var state = Mutate();

        var ex = await Assert.ThrowsAsync<SnapshotCorruptException>(() => _ws.RestoreAsync("s1", Services));

        Assert.Equal(dbHash, ex.ObjectHash);
        Assert.Contains("db", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
        // The mount had been built beside the old one; the database's missing object discarded it unswapped.
        Assert.Equal(state, CurrentState());
        AssertNoStagedFolderLeft();
    }

    [Theory]
    [InlineData("../escaped.txt")]
    [InlineData("cache/../../escaped.txt")]
    [InlineData("/tmp/escaped.txt")]
    [InlineData("link/escaped.txt")]
    [InlineData("two.txt/escaped.txt")]
    [InlineData("./escaped.txt")]
    [InlineData("cache//escaped.txt")]
    public async Task RestoreRefusesManifestPathsThatEscapeTheMount(string path)
    {
        await _ws.CaptureAsync("s1", Services);
        var manifest = Manifest();
        manifest["services"]![0]!["mount"]!["entries"]![1]!["path"] = path;
        File.WriteAllText(_ws.ManifestFile("s1"), manifest.ToJsonString());
        var state = Mutate();

        var ex = await Assert.ThrowsAsync<UnsafeManifestPathException>(() => _ws.RestoreAsync("s1", Services));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(state, CurrentState());
        Assert.False(File.Exists(_ws.PathOf("escaped.txt")));
        Assert.False(File.Exists("/tmp/escaped.txt"));
    }

    [Fact]
    public async Task TamperedObjectHashIsRefusedAsCorruptNotUsedAsAPath()
    {
        await _ws.CaptureAsync("s1", Services);
        var manifest = Manifest();
        manifest["services"]![1]!["chunks"]![0]!["hash"] = "../../manifests/s1.json";
        File.WriteAllText(_ws.ManifestFile("s1"), manifest.ToJsonString());
        var state = Mutate();

        await Assert.ThrowsAsync<SnapshotCorruptException>(() => _ws.RestoreAsync("s1", Services));

        Assert.Equal(state, CurrentState());
    }

    [Fact]
    public async Task DeleteCollectsUnreferencedObjectsButKeepsSharedOnes()
    {
        await _ws.CaptureAsync("s1", Services);
        var oneHash = FileHash("cache/one.txt");
        var twoHash = FileHash("two.txt");
        File.WriteAllText(Path.Combine(_media, "two.txt"), "two, second version");
        await _ws.CaptureAsync("s2", Services);
        var newTwoHash = Manifest("s2")["services"]![0]!["mount"]!["entries"]!.AsArray()
            .Single(e => e!["path"]!.GetValue<string>() == "two.txt")!["chunks"]![0]!["hash"]!.GetValue<string>();

        await _ws.Engine.DeleteAsync("s1", Workspace.Token);

        Assert.False(await _ws.Engine.HasManifestAsync("s1", TestContext.Current.CancellationToken));
        Assert.False(File.Exists(_ws.ObjectFile(twoHash)));
        Assert.True(File.Exists(_ws.ObjectFile(oneHash)));
        Assert.True(File.Exists(_ws.ObjectFile(newTwoHash)));
        await _ws.Engine.VerifyAsync("s2", Workspace.Token);

        await _ws.Engine.DeleteAsync("s2", Workspace.Token);
        Assert.Empty(_ws.ObjectFiles());
    }

    [Fact]
    public async Task ACaptureStoresAgainASharedObjectThatWentMissingInsteadOfReferencingIt()
    {
        // Old mtimes let the next capture reuse unchanged files unread; a missing object must not be reused.
        Tree.SetOldMTime(_media);
        await _ws.CaptureAsync("s1", Services);
        var shared = FileHash("cache/one.txt");
        File.Delete(_ws.ObjectFile(shared));

        await _ws.CaptureAsync("s2", Services);

        Assert.True(File.Exists(_ws.ObjectFile(shared)));
        await _ws.Engine.VerifyAsync("s2", Workspace.Token);
    }

    [Fact]
    public async Task AnObjectThatRotsAfterBeingReusedUnreadStopsTheRestoreOfTheNewSnapshotBeforeAnythingIsReplaced()
    {
        Tree.SetOldMTime(_media);
        await _ws.CaptureAsync("s1", Services);
        await _ws.CaptureAsync("s2", Services);
        var shared = FileHash("cache/one.txt");
        var bytes = File.ReadAllBytes(_ws.ObjectFile(shared));
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(_ws.ObjectFile(shared), bytes);
        var state = Mutate();

        var corrupt = await Assert.ThrowsAsync<SnapshotCorruptException>(() => _ws.RestoreAsync("s2", Services));

        Assert.Equal(shared, corrupt.ObjectHash);
        Assert.Contains("var:cache/one.txt", corrupt.Message, StringComparison.Ordinal);
        Assert.Equal(state, CurrentState());
        AssertNoStagedFolderLeft();
    }

    [Fact]
    public async Task RestoreOfUnknownSnapshotOrServiceSaysWhatIsMissing()
    {
        var none = await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.RestoreAsync("nope", Services));
        Assert.Contains("nope", none.Message, StringComparison.Ordinal);

        await _ws.CaptureAsync("s1", Services);
        var other = await Assert.ThrowsAsync<SnapshotEngineException>(() =>
            _ws.RestoreAsync("s1", new ServiceSpec("media", ServiceKind.Mount, _media)));
        Assert.Contains("'media'", other.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SnapshotEngineException>(() => _ws.CaptureAsync("../x", Services));
    }

    private string FileHash(string path) =>
        Manifest()["services"]![0]!["mount"]!["entries"]!.AsArray()
            .Single(e => e!["path"]!.GetValue<string>() == path)!["chunks"]![0]!["hash"]!.GetValue<string>();

    private JsonNode Manifest(string id = "s1") => JsonNode.Parse(File.ReadAllText(_ws.ManifestFile(id)))!;

    private void AssertNoStagedFolderLeft() =>
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(_media)!, ".var.portal-*"));

    private string Mutate()
    {
        File.WriteAllText(Path.Combine(_media, "two.txt"), "changed since the snapshot");
        File.WriteAllText(Path.Combine(_media, "three.txt"), "new");
        Db.Execute(_db, "UPDATE t SET v = 'changed' WHERE id = 1; INSERT INTO t VALUES (3, 'c');");
        return CurrentState();
    }

    // The mount and the database, not their parent folder: a refused restore may have built and removed a sibling folder there.
    private string CurrentState() => string.Join('\n', Tree.Describe(_media)) + "\n" + Db.Rows(_db, "t");
}
