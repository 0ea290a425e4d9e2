namespace Portal.Engine.Tests.Adapters.Mounts;

using System.Text;
using Portal.Contracts;
using static Portal.Engine.Tests.MountSnapshotTests;

/// <summary>A live capture records the tree as it finds it: what vanishes is left out, what changes is kept as read, both said.</summary>
public sealed class MountLiveCaptureTests : IDisposable
{
    private readonly Workspace _ws = new(chunkSize: 64 * 1024);
    private readonly string _media;

    public MountLiveCaptureTests()
    {
        _media = _ws.PathOf("env/media");
        Directory.CreateDirectory(_media);
    }

    private ServiceSpec Media => new("media", ServiceKind.Mount, _media);

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task EntriesThatVanishWhileReadAreLeftOutWithAWarningAndTheirOtherNamesKept()
    {
        // "a-victims" sorts first, so its files are the first names of the hard links in "z-links" and are read first.
        var victims = Path.Combine(_media, "a-victims");
        Directory.CreateDirectory(victims);
        Directory.CreateDirectory(Path.Combine(_media, "z-links"));
        const int Count = 200;
        for (var i = 0; i < Count; i++)
        {
            File.WriteAllBytes(Path.Combine(victims, $"{i:D3}.bin"), RandomBytes(4096, seed: i));
            if (i % 2 == 0)
            {
                ByteFiles.HardLink(Path.Combine(victims, $"{i:D3}.bin"), Path.Combine(_media, "z-links", $"{i:D3}.bin"));
            }
        }

        // Moved out of the mount (one rename) after the walk found them and before any is opened: every victim vanishes while the
        // snapshot reads the mount. (Moved at the first bytes instead, the other workers read a scheduler-dependent number first.)
        var result = await CaptureAsync(live: true, onReadStart: () => Directory.Move(victims, _ws.PathOf("moved-away")));
        await _ws.RestoreAsync("s1", Media);

        var vanished = result.Warnings.Where(w => w.Contains("vanished while the snapshot read it; left out", StringComparison.Ordinal)).ToList();
        Assert.Equal(result.Warnings.Count, vanished.Count);
        Assert.Equal(Count, vanished.Count);
        for (var i = 0; i < Count; i++)
        {
            var victim = Path.Combine(victims, $"{i:D3}.bin");
            var warned = vanished.Any(w => w.Contains(victim, StringComparison.Ordinal));
            Assert.True(warned != File.Exists(victim), $"{victim} must be restored or named in a warning, not both or neither");
            if (File.Exists(victim))
            {
                Assert.Equal(RandomBytes(4096, seed: i), File.ReadAllBytes(victim));
            }

            if (i % 2 == 0)
            {
                // The other name keeps the content, as a link when its first name survived and as a file of its own when not.
                var link = Path.Combine(_media, "z-links", $"{i:D3}.bin");
                Assert.Equal(RandomBytes(4096, seed: i), File.ReadAllBytes(link));
                Assert.Equal(warned ? 1 : 2, Posix.LStat(link).Links);
            }
        }
    }

    [Fact]
    public async Task FileThatChangesWhileReadIsKeptAsReadWithAWarning()
    {
        var log = Path.Combine(_media, "growing.log");
        var content = RandomBytes(4 << 20, seed: 5);
        File.WriteAllBytes(log, content);

        var result = await CaptureAsync(live: true, onFirstBytes: () => File.AppendAllText(log, "appended while read"));
        File.Delete(log);
        await _ws.RestoreAsync("s1", Media);

        var warning = Assert.Single(result.Warnings);
        Assert.Contains(log, warning, StringComparison.Ordinal);
        Assert.Contains("changed while the snapshot read it", warning, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllBytes(log));
    }

    [Fact]
    public async Task LiveCaptureWhileAWriterCreatesAndDeletesThroughoutSucceedsAndRestores()
    {
        var stable = Path.Combine(_media, "stable");
        Directory.CreateDirectory(stable);
        for (var i = 0; i < 300; i++)
        {
            File.WriteAllBytes(Path.Combine(stable, $"{i:D3}.bin"), RandomBytes(32 * 1024, seed: i));
        }

        var churn = Path.Combine(_media, "churn");
        Directory.CreateDirectory(churn);
        using var stop = new CancellationTokenSource();
        var rounds = 0;
        var writer = Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++, rounds++)
            {
                var folder = Path.Combine(churn, $"d{i}");
                Directory.CreateDirectory(folder);
                for (var f = 0; f < 5; f++)
                {
                    File.WriteAllText(Path.Combine(folder, $"f{f}.txt"), $"round {i} file {f}");
                }

                File.WriteAllBytes(Path.Combine(churn, $"f{i}.bin"), RandomBytes(8192, seed: i));
                if (i >= 3)
                {
                    Directory.Delete(Path.Combine(churn, $"d{i - 3}"), recursive: true);
                    File.Delete(Path.Combine(churn, $"f{i - 3}.bin"));
                }
            }
        }, Workspace.Token);
        while (Volatile.Read(ref rounds) < 10)
        {
            await Task.Delay(1, Workspace.Token);
        }

        CaptureResult result;
        try
        {
            result = await CaptureAsync(live: true);
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }

        Assert.All(result.Warnings, w => Assert.Contains($"{churn}/", w, StringComparison.Ordinal));
        var copy = _ws.PathOf("copy/media");
        await _ws.RestoreAsync("s1", Media with { Location = copy });
        Assert.Equal(Tree.Describe(stable), Tree.Describe(Path.Combine(copy, "stable")));
        foreach (var restored in Directory.EnumerateFiles(Path.Combine(copy, "churn"), "*.txt", SearchOption.AllDirectories))
        {
            // A file created just before it was read may be empty or partly written: kept as read, never made up.
            var text = File.ReadAllText(restored);
            var expected = $"round {Path.GetFileName(Path.GetDirectoryName(restored))![1..]} file {Path.GetFileNameWithoutExtension(restored)[1..]}";
            Assert.StartsWith(text, expected, StringComparison.Ordinal);
        }
    }

    /// <summary><paramref name="onReadStart"/> runs when the walk is done and reading begins; <paramref name="onFirstBytes"/> once the first bytes are read.</summary>
    private Task<CaptureResult> CaptureAsync(bool live, Action? onFirstBytes = null, Action? onReadStart = null)
    {
        var fired = 0;
        var progress = new SyncProgress(p =>
        {
            if (p.Message?.StartsWith("Capturing mount", StringComparison.Ordinal) == true && p.BytesDone == 0 && onReadStart is not null)
            {
                onReadStart();
                onReadStart = null;
            }

            if (p.BytesDone > 0 && onFirstBytes is not null && Interlocked.Exchange(ref fired, 1) == 0)
            {
                onFirstBytes();
            }
        });
        return _ws.Engine.CaptureAsync(new CaptureRequest("s1", "env-1", [Media], live), progress, Workspace.Token);
    }
}
