namespace Portal.Engine.Tests.Adapters.Mounts;

using Portal.Contracts;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Mounts;

public sealed class OldTreeRemovalsTests : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly string _media;

    public OldTreeRemovalsTests()
    {
        _media = _ws.PathOf("env/pub/media");
        Directory.CreateDirectory(Path.Combine(_media, "catalog"));
        for (var i = 0; i < 50; i++)
        {
            File.WriteAllText(Path.Combine(_media, "catalog", $"{i}.txt"), $"file {i}");
        }
    }

    private ServiceSpec Media => new("media", ServiceKind.Mount, _media);

    private string Parent => Path.GetDirectoryName(_media)!;

    private string Records => Path.Combine(_ws.StorePath, "removals");

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task TheTreeARestoreSwappedOutIsRecordedUntilItIsGone()
    {
        await _ws.CaptureAsync("s1", Media);
        File.WriteAllText(Path.Combine(_media, "catalog", "new.txt"), "after the snapshot");
        var snapshot = Tree.Describe(_media);

        await _ws.RestoreAsync("s1", Media);

        // The restore returns at the swap: the old tree is either still being deleted (and recorded) or already gone.
        foreach (var old in Directory.GetDirectories(Parent, ".media.portal-old-*"))
        {
            Assert.Contains(Directory.GetFiles(Records), record => File.ReadAllText(record) == old);
        }

        await _ws.Engine.WhenOldTreesRemovedAsync();
        Assert.Empty(Directory.GetFileSystemEntries(Parent, ".media.portal-*"));
        Assert.Empty(Directory.GetFiles(Records));
        Assert.NotEqual(snapshot, Tree.Describe(_media));
        Assert.False(File.Exists(Path.Combine(_media, "catalog", "new.txt")));
    }

    [Fact]
    public async Task ARemovalAStopInterruptedIsFinishedByTheNextStart()
    {
        var old = Path.Combine(Parent, ".media.portal-old-killed");
        Directory.CreateDirectory(Path.Combine(old, "deep", "er"));
        File.WriteAllText(Path.Combine(old, "deep", "er", "file.txt"), "replaced content");
        var stopped = new OldTreeRemovals(_ws.StorePath);
        // Stopped before its queue ran: what a kill right after the swap leaves is the tree and its record.
        stopped.Dispose();
        stopped.Schedule(old);
        await stopped.WhenIdleAsync();
        Assert.True(Directory.Exists(old));
        Assert.Single(Directory.GetFiles(Records));

        using var restarted = new OldTreeRemovals(_ws.StorePath);
        await restarted.WhenIdleAsync();

        Assert.False(Directory.Exists(old));
        Assert.Empty(Directory.GetFiles(Records));
        Assert.True(Directory.Exists(_media));
    }

    [Fact]
    public void OnlyFoldersNamedAsRestoreLeftoversAreEverRemoved()
    {
        using var removals = new OldTreeRemovals(_ws.StorePath);

        Assert.Throws<ArgumentException>(() => removals.Schedule(_media));
        Assert.Throws<ArgumentException>(() => removals.Schedule(Parent));
        Assert.True(Directory.Exists(_media));
    }

    [Fact]
    public async Task ARecordNamingSomethingElseIsDroppedAndWhatItNamesIsKept()
    {
        Directory.CreateDirectory(Records);
        File.WriteAllText(Path.Combine(Records, "0123456789abcdef0123456789abcdef.path"), _media);

        using var removals = new OldTreeRemovals(_ws.StorePath);
        await removals.WhenIdleAsync();

        Assert.True(Directory.Exists(_media));
        Assert.Equal(50, Directory.GetFiles(Path.Combine(_media, "catalog")).Length);
        Assert.Empty(Directory.GetFiles(Records));
    }
}
