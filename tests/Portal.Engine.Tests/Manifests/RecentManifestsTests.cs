namespace Portal.Engine.Tests.Manifests;

using Portal.Contracts;
using Portal.Engine.Manifests;

public sealed class RecentManifestsTests : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly string _media;

    public RecentManifestsTests()
    {
        _media = _ws.PathOf("env/pub/media");
        Directory.CreateDirectory(Path.Combine(_media, "catalog"));
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(Path.Combine(_media, "catalog", $"{i}.txt"), $"product {i}");
        }

        File.CreateSymbolicLink(Path.Combine(_media, "latest"), "catalog/19.txt");
        Tree.SetOldMTime(_media);
    }

    private ServiceSpec Media => new("media", ServiceKind.Mount, _media);

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task TheKeptManifestGivesTheNextCaptureWhatTheStoresManifestGivesARestartedEngine()
    {
        await _ws.CaptureAsync("s1", Media);
        File.WriteAllText(Path.Combine(_media, "catalog", "3.txt"), "product 3, new price");

        // The restarted engine has only the store: it reads and parses s1's manifest.
        using var restarted = TestEngines.Create(_ws.Options);
        await restarted.CaptureAsync(new CaptureRequest("from-store", "env-1", [Media]), Workspace.NoProgress, Workspace.Token);
        Assert.Equal("s1", _ws.Engine.RecentManifests.Find("env-1")?.SnapshotId);
        await _ws.CaptureAsync("from-memory", Media);

        Assert.Equal("product 3, new price".Length, restarted.LastCapture.BytesHashed);
        Assert.Equal(restarted.LastCapture.BytesHashed, _ws.Engine.LastCapture.BytesHashed);
        Assert.Equal(Normalized("from-store"), Normalized("from-memory"));
    }

    [Fact]
    public async Task AManifestGoneFromTheStoreIsNotTheBaseOfTheNextCapture()
    {
        var first = await _ws.CaptureAsync("s1", Media);

        // As another node's deletion would: this engine did not see it go.
        File.Delete(_ws.ManifestFile("s1"));
        await _ws.CaptureAsync("s2", Media);

        Assert.Equal(first.SizeOfVolumes, _ws.Engine.LastCapture.BytesHashed);
    }

    [Fact]
    public async Task ADeletedSnapshotIsNoLongerKept()
    {
        await _ws.CaptureAsync("s1", Media);
        Assert.Equal("s1", _ws.Engine.RecentManifests.Find("env-1")?.SnapshotId);

        await _ws.Engine.DeleteAsync("s1", Workspace.Token);

        Assert.Null(_ws.Engine.RecentManifests.Find("env-1"));
    }

    [Fact]
    public void EachEnvironmentKeepsItsLastManifestAndTheOldestGoWhenTheEntriesExceedTheBudget()
    {
        var recent = new RecentManifests(maxEntries: 10);

        recent.Remember(Of("a1", "env-a", entries: 3));
        recent.Remember(Of("a2", "env-a", entries: 3));
        Assert.Equal("a2", recent.Find("env-a")?.SnapshotId);
        recent.Remember(Of("b1", "env-b", entries: 3));
        recent.Remember(Of("c1", "env-c", entries: 3));

        // Each counts its entries and its root, 4: a third environment does not fit beside two, and the one kept longest goes.
        Assert.Null(recent.Find("env-a"));
        Assert.Equal("b1", recent.Find("env-b")?.SnapshotId);
        Assert.Equal("c1", recent.Find("env-c")?.SnapshotId);
    }

    [Fact]
    public void AManifestLargerThanTheBudgetIsNotKeptNorIsTheOlderOneOfItsEnvironment()
    {
        var recent = new RecentManifests(maxEntries: 12);
        recent.Remember(Of("a1", "env-a", entries: 3));
        recent.Remember(Of("b1", "env-b", entries: 3));

        recent.Remember(Of("a2", "env-a", entries: 20));

        Assert.Null(recent.Find("env-a"));
        Assert.Equal("b1", recent.Find("env-b")?.SnapshotId);
    }

    private string Normalized(string snapshotId)
    {
        var manifest = Manifest.FromJson(File.ReadAllBytes(_ws.ManifestFile(snapshotId)), snapshotId);
        return System.Text.Encoding.UTF8.GetString((manifest with { SnapshotId = "", CreatedAt = DateTimeOffset.UnixEpoch }).ToJson());
    }

    private static Manifest Of(string snapshotId, string environmentKey, int entries)
    {
        static MountEntry Entry(string path) => new(path, EntryType.File, 420, 0, 0, 0, 0, 0, 0, null, []);
        var tree = new MountTree(Entry(""), [.. Enumerable.Range(0, entries).Select(i => Entry($"f{i}"))]);
        return new Manifest(Manifest.CurrentVersion, snapshotId, environmentKey, DateTimeOffset.UnixEpoch,
            [new ManifestService("media", ServiceKind.Mount, 0, null, tree)]);
    }
}
