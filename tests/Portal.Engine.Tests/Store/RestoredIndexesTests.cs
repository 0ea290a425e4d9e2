namespace Portal.Engine.Tests.Store;

using Portal.Contracts;

public sealed class RestoredIndexesTests : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly string _media;

    public RestoredIndexesTests()
    {
        _media = _ws.PathOf("env/pub/media");
        Directory.CreateDirectory(Path.Combine(_media, "catalog"));
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(Path.Combine(_media, "catalog", $"{i}.txt"), $"product {i}");
        }

        Tree.SetOldMTime(_media);
    }

    private ServiceSpec Media => new("media", ServiceKind.Mount, _media);

    private string Folder => Path.Combine(_ws.StorePath, "restored");

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task ADamagedOrHalfWrittenIndexCostsOnlyTheReuseAndIsClearedAtTheNextStart()
    {
        var first = await _ws.CaptureAsync("s1", Media);
        await _ws.RestoreAsync("s1", Media);
        var index = Assert.Single(Directory.GetFiles(Folder, "*.json"));
        File.WriteAllBytes(index, File.ReadAllBytes(index)[..40]);
        File.WriteAllText(Path.Combine(Folder, "0123abcd.tmp"), "{\"version\":1,");

        using var restarted = TestEngines.Create(_ws.Options);
        Assert.Empty(Directory.GetFiles(Folder, "*.tmp"));
        await restarted.CaptureAsync(new CaptureRequest("s2", "env-1", [Media]), Workspace.NoProgress, Workspace.Token);

        // The restored files have new inodes that s1 does not know: without the index every one is read again, and kept right.
        Assert.Equal(first.SizeOfVolumes, restarted.LastCapture.BytesHashed);
        Assert.Empty(Directory.GetFiles(Folder));
        var restored = Tree.Describe(_media);
        await restarted.RestoreAsync(new RestoreRequest("s2", [Media]), Workspace.NoProgress, Workspace.Token);
        Assert.Equal(restored, Tree.Describe(_media));
    }
}
