namespace Portal.Engine.Tests;

using System.Text;
using Portal.Contracts;

public sealed class MountSnapshotTests : IDisposable
{
    private readonly Workspace _ws = new(chunkSize: 64 * 1024);
    private readonly string _media;

    public MountSnapshotTests()
    {
        _media = _ws.PathOf("env/pub/media");
        Directory.CreateDirectory(Path.Combine(_media, "images/2024"));
        Directory.CreateDirectory(Path.Combine(_media, "empty"));
        File.WriteAllText(Path.Combine(_media, "images/2024/a.txt"), "alpha");
        File.WriteAllText(Path.Combine(_media, "images/ünïcødé 名前.txt"), "utf-8 name");
        File.WriteAllBytes(Path.Combine(_media, "big.bin"), RandomBytes(300 * 1024, seed: 1));
        File.WriteAllBytes(Path.Combine(_media, "zero.bin"), []);
        File.WriteAllText(Path.Combine(_media, "script.sh"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(_media, "script.sh"), (UnixFileMode)Convert.ToInt32("4755", 8));
        File.CreateSymbolicLink(Path.Combine(_media, "latest"), "images/2024");
        File.CreateSymbolicLink(Path.Combine(_media, "passwd"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(_media, "dangling"), "../nowhere");
        Posix.SetOwner(Path.Combine(_media, "images/2024/a.txt"), 33, 33);
        Tree.SetOldMTime(_media);
    }

    private ServiceSpec Media => new("media", ServiceKind.Mount, _media);

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task RestoreAfterMutationsGivesTheSnapshotBackExactly()
    {
        var before = Tree.Describe(_media);
        await _ws.CaptureAsync("s1", Media);

        File.AppendAllText(Path.Combine(_media, "images/2024/a.txt"), " changed");
        File.WriteAllText(Path.Combine(_media, "new.txt"), "added");
        File.Delete(Path.Combine(_media, "zero.bin"));
        File.Move(Path.Combine(_media, "big.bin"), Path.Combine(_media, "renamed.bin"));
        File.SetUnixFileMode(Path.Combine(_media, "script.sh"), UnixFileMode.UserRead);
        File.CreateSymbolicLink(Path.Combine(_media, "extra-link"), "new.txt");
        Directory.CreateDirectory(Path.Combine(_media, "fresh/empty"));
        Directory.Delete(Path.Combine(_media, "empty"));
        File.Delete(Path.Combine(_media, "latest"));
        File.CreateSymbolicLink(Path.Combine(_media, "latest"), "elsewhere");
        Assert.NotEqual(before, Tree.Describe(_media));

        await _ws.RestoreAsync("s1", Media);
        await _ws.Engine.WhenOldTreesRemovedAsync();

        Assert.Equal(before, Tree.Describe(_media));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(_media)!, ".media.portal-*"));
    }

    [Fact]
    public async Task RestoreIntoAnotherFolderGivesAnEqualCopy()
    {
        await _ws.CaptureAsync("s1", Media);
        var copy = _ws.PathOf("other-env/pub/media");

        await _ws.RestoreAsync("s1", new ServiceSpec("media", ServiceKind.Mount, copy));

        Assert.Equal(Tree.Describe(_media), Tree.Describe(copy));
    }

    [Fact]
    public async Task MountConfiguredAsASymlinkIsRestoredWhereItPointsAndStaysALink()
    {
        var link = _ws.PathOf("env/media-link");
        File.CreateSymbolicLink(link, _media);
        var spec = new ServiceSpec("media", ServiceKind.Mount, link);
        var before = Tree.Describe(_media);
        await _ws.CaptureAsync("s1", spec);
        File.WriteAllText(Path.Combine(_media, "new.txt"), "added");

        await _ws.RestoreAsync("s1", spec);

        Assert.Equal(_media, new FileInfo(link).LinkTarget);
        Assert.Equal(before, Tree.Describe(_media));
    }

    [Fact]
    public async Task SecondCaptureReadsOnlyChangedFiles()
    {
        var first = await _ws.CaptureAsync("s1", Media);
        var firstCounters = _ws.Engine.LastCapture;
        Assert.Equal(first.SizeOfVolumes, firstCounters.BytesHashed);

        File.WriteAllText(Path.Combine(_media, "images/2024/a.txt"), "ALPHA");
        var second = await _ws.CaptureAsync("s2", Media);
        var secondCounters = _ws.Engine.LastCapture;

        Assert.Equal(5, secondCounters.BytesHashed);
        Assert.Equal(1, secondCounters.ObjectsWritten);
        Assert.Equal(first.SizeOfVolumes, second.SizeOfVolumes);
        Assert.True(second.SizeStored < first.SizeStored / 10, $"second stored {second.SizeStored} of {first.SizeStored}");

        // The reused hashes must still restore the unchanged files.
        File.Delete(Path.Combine(_media, "big.bin"));
        var expected = Tree.Describe(_media);
        await _ws.RestoreAsync("s2", Media);
        Assert.NotEqual(expected, Tree.Describe(_media));
        Assert.Equal(RandomBytes(300 * 1024, seed: 1), File.ReadAllBytes(Path.Combine(_media, "big.bin")));
    }

    [Fact]
    public async Task ReuseIsSkippedWhenThePreviousObjectIsGone()
    {
        await _ws.CaptureAsync("s1", Media);
        foreach (var file in _ws.ObjectFiles())
        {
            File.Delete(file);
        }

        var second = await _ws.CaptureAsync("s2", Media);

        Assert.Equal(second.SizeOfVolumes, _ws.Engine.LastCapture.BytesHashed);
        await _ws.Engine.VerifyAsync("s2", Workspace.Token);
    }

    [Fact]
    public async Task TheFirstCaptureAfterARestoreReusesTheRestoredFilesUnreadAndRereadsOnlyWhatChangedSince()
    {
        Tree.SetOldMTime(_media);
        await _ws.CaptureAsync("s1", Media);
        File.WriteAllText(Path.Combine(_media, "new.txt"), "written after the snapshot");
        await _ws.RestoreAsync("s1", Media);
        var restored = Tree.Describe(_media);

        await _ws.CaptureAsync("s2", Media);

        Assert.Equal(0, _ws.Engine.LastCapture.BytesHashed);
        File.WriteAllText(Path.Combine(_media, "changed.txt"), "six b");
        await _ws.CaptureAsync("s3", Media);
        Assert.Equal(5, _ws.Engine.LastCapture.BytesHashed);
        File.Delete(Path.Combine(_media, "changed.txt"));
        await _ws.RestoreAsync("s2", Media);
        Assert.Equal(restored, Tree.Describe(_media));
    }

    [Fact]
    public async Task ARestoredFileChangedInPlaceWithItsSizeAndMTimeKeptIsReadAgain()
    {
        Tree.SetOldMTime(_media);
        await _ws.CaptureAsync("s1", Media);
        await _ws.RestoreAsync("s1", Media);
        var big = Path.Combine(_media, "big.bin");
        var mtime = File.GetLastWriteTimeUtc(big);
        // A new inode under the same name (what an editor's save does), its size and mtime set back as they were.
        File.Move(big, big + ".old");
        File.WriteAllBytes(big, RandomBytes(300 * 1024, seed: 9));
        File.SetLastWriteTimeUtc(big, mtime);
        File.Delete(big + ".old");

        await _ws.CaptureAsync("s2", Media);

        Assert.Equal(300 * 1024, _ws.Engine.LastCapture.BytesHashed);
    }

    [Fact]
    public async Task ReuseRequiresTheSameEnvironmentKey()
    {
        await _ws.CaptureAsync("s1", Media);

        await _ws.Engine.CaptureAsync(new CaptureRequest("s2", "env-2", [Media]), Workspace.NoProgress, Workspace.Token);

        Assert.Equal(300 * 1024 + 5 + 10 + 10, _ws.Engine.LastCapture.BytesHashed);
    }

    [Fact]
    public async Task ReuseFindsTheEnvironmentsNewestSnapshotAmongOtherEnvironmentsSnapshots()
    {
        await _ws.CaptureAsync("s1", Media);
        File.WriteAllText(Path.Combine(_media, "images/2024/a.txt"), "ALPHA");
        Tree.SetOldMTime(_media);
        await _ws.CaptureAsync("s2", Media);
        // Newer snapshots of other environments must not hide env-1's s2; reusing theirs would re-read everything.
        var elsewhere = _ws.PathOf("elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, "other.txt"), "another environment's media");
        await _ws.Engine.CaptureAsync(new CaptureRequest("other-1", "env-2", [Media with { Location = elsewhere }]), Workspace.NoProgress, Workspace.Token);
        await _ws.Engine.CaptureAsync(new CaptureRequest("other-2", "env-3", [Media with { Location = elsewhere }]), Workspace.NoProgress, Workspace.Token);

        await _ws.CaptureAsync("s3", Media);

        Assert.Equal(0, _ws.Engine.LastCapture.BytesHashed);
        await _ws.Engine.VerifyAsync("s3", Workspace.Token);
    }

    [Fact]
    public async Task LargeFileIsSplitIntoChunksAndRestoredWhole()
    {
        var result = await _ws.CaptureAsync("s1", Media);

        // 300 KiB at 64 KiB chunks is 5 objects for big.bin, plus one per small non-empty file.
        Assert.Equal(5 + 3, _ws.ObjectFiles().Count());
        Assert.Equal(300 * 1024 + 5 + 10 + 10, result.SizeOfVolumes);
        File.WriteAllBytes(Path.Combine(_media, "big.bin"), RandomBytes(10, seed: 2));
        await _ws.RestoreAsync("s1", Media);
        Assert.Equal(RandomBytes(300 * 1024, seed: 1), File.ReadAllBytes(Path.Combine(_media, "big.bin")));
    }

    [Fact]
    public async Task LinkLeavingTheMountIsStoredAsALinkAndNeverFollowed()
    {
        await _ws.CaptureAsync("s1", Media);
        var manifest = Encoding.UTF8.GetString(File.ReadAllBytes(_ws.ManifestFile("s1")));

        Assert.Contains("\"linkTarget\":\"/etc/passwd\"", manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("root:x:0:0", manifest, StringComparison.Ordinal);
        Assert.Equal(300 * 1024 + 5 + 10 + 10, _ws.Engine.LastCapture.BytesHashed);

        await _ws.RestoreAsync("s1", Media);
        Assert.Equal("/etc/passwd", new FileInfo(Path.Combine(_media, "passwd")).LinkTarget);
    }

    [Fact]
    public async Task LeftoversOfAKilledRestoreAreCleanedUpByTheNextCapture()
    {
        var parent = Path.GetDirectoryName(_media)!;
        Directory.CreateDirectory(Path.Combine(parent, ".media.portal-restore-dead1/half"));
        Directory.CreateDirectory(Path.Combine(parent, ".media.portal-old-dead2"));

        await _ws.CaptureAsync("s1", Media);
        await _ws.Engine.WhenOldTreesRemovedAsync();

        Assert.Empty(Directory.GetDirectories(parent, ".media.portal-*"));
    }

    [Fact]
    public async Task KillBetweenFallbackRenamesRestoresTheOldTreeNextTime()
    {
        await _ws.CaptureAsync("s1", Media);
        var before = Tree.Describe(_media);
        var parent = Path.GetDirectoryName(_media)!;
        // The state a kill leaves between "mount -> old" and "new -> mount": only the old tree, under its temp name.
        Directory.Move(_media, Path.Combine(parent, ".media.portal-old-dead"));
        Directory.CreateDirectory(Path.Combine(parent, ".media.portal-restore-dead"));

        await _ws.CaptureAsync("s2", Media);
        await _ws.Engine.WhenOldTreesRemovedAsync();

        Assert.Equal(before, Tree.Describe(_media));
        Assert.Empty(Directory.GetDirectories(parent, ".media.portal-*"));
    }

    [Fact]
    public async Task DeleteWaitsForARunningCaptureWhoseObjectsNoManifestReferencesYet()
    {
        await _ws.CaptureAsync("old", Media);
        File.WriteAllBytes(Path.Combine(_media, "big.bin"), RandomBytes(300 * 1024, seed: 3));
        using var inCapture = new SemaphoreSlim(0);
        using var resume = new SemaphoreSlim(0);
        var paused = 0;
        var progress = new SyncProgress(p =>
        {
            if (p.BytesDone > 0 && Interlocked.Exchange(ref paused, 1) == 0)
            {
                inCapture.Release();
                resume.Wait(TestContext.Current.CancellationToken);
            }
        });

        var capture = _ws.Engine.CaptureAsync(new CaptureRequest("new", "env-1", [Media]), progress, Workspace.Token);
        await inCapture.WaitAsync(Workspace.Token);
        var delete = _ws.Engine.DeleteAsync("old", Workspace.Token);
        await Task.Delay(300, Workspace.Token);
        Assert.False(delete.IsCompleted, "garbage collection must wait for the capture");
        resume.Release();
        await capture;
        await delete;

        await _ws.Engine.VerifyAsync("new", Workspace.Token);
        Assert.False(await _ws.Engine.HasManifestAsync("old", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CancelledCaptureWritesNoManifest()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.BytesDone > 0)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _ws.Engine.CaptureAsync(new CaptureRequest("s1", "env-1", [Media]), progress, cancel.Token));

        Assert.False(await _ws.Engine.HasManifestAsync("s1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ProgressIsReportedInBytesUpToTheTotal()
    {
        var reports = new List<EngineProgress>();
        var result = await _ws.Engine.CaptureAsync(new CaptureRequest("s1", "env-1", [Media]), new SyncProgress(reports.Add), Workspace.Token);

        var last = reports[^1];
        Assert.Equal(result.SizeOfVolumes, last.BytesDone);
        Assert.Equal(last.BytesTotal, last.BytesDone);
        Assert.Contains(reports, r => r.Message is not null && r.Message.Contains("media", StringComparison.Ordinal));

        reports.Clear();
        await _ws.Engine.RestoreAsync(new RestoreRequest("s1", [Media]), new SyncProgress(reports.Add), Workspace.Token);
        Assert.Equal(reports[^1].BytesTotal, reports[^1].BytesDone);
        // Each object is verified while it is written, so every byte is read and counted once.
        Assert.Equal(result.SizeOfVolumes, reports[^1].BytesDone);
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; the tests need each report as it happens.</summary>
    internal sealed class SyncProgress(Action<EngineProgress> report) : IProgress<EngineProgress>
    {
        public void Report(EngineProgress value) => report(value);
    }
}
