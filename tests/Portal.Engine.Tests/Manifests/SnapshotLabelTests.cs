namespace Portal.Engine.Tests.Manifests;

using System.Text;
using System.Text.Json;
using Portal.Contracts;
using Portal.Engine.Manifests;

/// <summary>
/// The label a manifest carries so a new Portal can find its snapshots without the old metadata database: written in the
/// header, read back from the header bytes alone, absent from old manifests, and a damaged manifest listed with its problem.
/// </summary>
public sealed class SnapshotLabelTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 30, 9, 15, 0, TimeSpan.Zero);

    private static SnapshotLabel Label => new("shop", "develop-branch", "alice-oid", Safe: false, IsSafetySnapshot: true, "act123", Created, Created.AddDays(7));

    [Fact]
    public async Task ALabelGivenToACaptureComesBackFromTheListingWithTheTimeAndSizesTheEngineAdded()
    {
        using var workspace = new Workspace();
        var media = workspace.PathOf("media");
        Directory.CreateDirectory(media);
        await File.WriteAllBytesAsync(Path.Combine(media, "a.bin"), new byte[5000], Workspace.Token);
        var before = DateTimeOffset.UtcNow;

        var result = await workspace.Engine.CaptureAsync(
            new CaptureRequest("snap1", "env-1", [new ServiceSpec("media", ServiceKind.Mount, media)], Label: Label), Workspace.NoProgress, Workspace.Token);

        var stored = Assert.Single(await workspace.Engine.ListStoredAsync(Workspace.Token));
        Assert.Null(stored.Problem);
        Assert.Equal("snap1", stored.SnapshotId);
        var label = Assert.IsType<SnapshotLabel>(stored.Label);
        Assert.Equal(Label with { CompletedAt = label.CompletedAt, SizeOfVolumes = result.SizeOfVolumes, SizeOfDatabases = result.SizeOfDatabases, SizeStored = result.SizeStored }, label);
        Assert.InRange(label.CompletedAt!.Value, before, DateTimeOffset.UtcNow);
        Assert.Equal(5000, label.SizeOfVolumes);
        Assert.True(label.SizeStored > 0);

        // In the header, before the file list, so the listing never parses the services.
        var json = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(workspace.ManifestFile("snap1"), Workspace.Token));
        Assert.True(json.IndexOf("\"label\"", StringComparison.Ordinal) < json.IndexOf("\"services\"", StringComparison.Ordinal), json);
        Assert.Equal(label, Manifest.FromJson(Encoding.UTF8.GetBytes(json), "snap1").Label);
    }

    [Fact]
    public async Task AManifestWrittenBeforeLabelsListsWithoutALabelAndStillRestores()
    {
        using var workspace = new Workspace();
        var media = workspace.PathOf("media");
        Directory.CreateDirectory(media);
        await File.WriteAllTextAsync(Path.Combine(media, "kept.txt"), "old", Workspace.Token);
        await workspace.CaptureAsync("old1", new ServiceSpec("media", ServiceKind.Mount, media));

        // Rewritten the way the engine wrote it before labels: the same fields in the same order, nothing else.
        var current = JsonDocument.Parse(await File.ReadAllBytesAsync(workspace.ManifestFile("old1"), Workspace.Token)).RootElement;
        Assert.False(current.TryGetProperty("label", out _));
        var old = $$"""{"version":1,"snapshotId":"old1","environmentKey":"env-1","createdAt":"2025-01-02T03:04:05.678+00:00","services":{{current.GetProperty("services").GetRawText()}}}""";
        await File.WriteAllTextAsync(workspace.ManifestFile("old1"), old, Workspace.Token);

        var stored = Assert.Single(await workspace.Engine.ListStoredAsync(Workspace.Token));
        Assert.Equal(new StoredSnapshot("old1", new DateTimeOffset(2025, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), null), stored);
        Assert.Null(Manifest.FromJson(Encoding.UTF8.GetBytes(old), "old1").Label);
        await File.WriteAllTextAsync(Path.Combine(media, "kept.txt"), "changed", Workspace.Token);
        await workspace.RestoreAsync("old1", new ServiceSpec("media", ServiceKind.Mount, media));
        Assert.Equal("old", await File.ReadAllTextAsync(Path.Combine(media, "kept.txt"), Workspace.Token));
    }

    [Fact]
    public async Task ADamagedManifestIsListedWithItsProblemAndTheOthersStillList()
    {
        using var workspace = new Workspace();
        var media = workspace.PathOf("media");
        Directory.CreateDirectory(media);
        await workspace.Engine.CaptureAsync(new CaptureRequest("good", "env-1", [new ServiceSpec("media", ServiceKind.Mount, media)], Label: Label), Workspace.NoProgress, Workspace.Token);
        var manifests = Path.GetDirectoryName(workspace.ManifestFile("good"))!;
        await File.WriteAllTextAsync(workspace.ManifestFile("cut"), """{"version":1,"snapshotId":"cut","environmentKey":"env-1","createdAt":"2026-""", Workspace.Token);
        await File.WriteAllBytesAsync(workspace.ManifestFile("noise"), [0xff, 0x00, 0x13, 0x37], Workspace.Token);
        await File.WriteAllTextAsync(workspace.ManifestFile("other"), """{"version":1,"snapshotId":"good","createdAt":"2026-01-01T00:00:00+00:00","services":[]}""", Workspace.Token);
        await File.WriteAllTextAsync(workspace.ManifestFile("future"), """{"version":9,"snapshotId":"future","createdAt":"2026-01-01T00:00:00+00:00","services":[]}""", Workspace.Token);
        await File.WriteAllTextAsync(Path.Combine(manifests, "not a valid id.json"), "{}", Workspace.Token);

        var listed = (await workspace.Engine.ListStoredAsync(Workspace.Token)).ToDictionary(s => s.SnapshotId);

        Assert.Equal(["cut", "future", "good", "noise", "not a valid id", "other"], listed.Keys.Order(StringComparer.Ordinal));
        Assert.Null(listed["good"].Problem);
        Assert.Equal("develop-branch", listed["good"].Label?.EnvironmentName);
        foreach (var damaged in listed.Values.Where(s => s.SnapshotId != "good"))
        {
            Assert.NotNull(damaged.Problem);
            Assert.Null(damaged.Label);
        }

        Assert.Contains("unknown version (9)", listed["future"].Problem, StringComparison.Ordinal);
        Assert.Contains("names another snapshot", listed["other"].Problem, StringComparison.Ordinal);
        Assert.Contains("not a valid snapshot id", listed["not a valid id"].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ALabelCutShortByTheHeaderReadIsReportedNotThrown()
    {
        var whole = $$"""{"version":1,"snapshotId":"big","environmentKey":"e","createdAt":"2026-01-01T00:00:00+00:00","label":{"projectId":"shop","environmentName":"master","createdBy":"{{new string('x', 200)}}","safe":true,"isSafetySnapshot":false,"createdAt":"2026-01-01T00:00:00+00:00","expiresAt":"2026-01-08T00:00:00+00:00"},"services":[]}""";
        var bytes = Encoding.UTF8.GetBytes(whole);

        Assert.Equal("shop", ManifestListing.ReadHeader(bytes, "big").Label?.ProjectId);
        Assert.NotNull(ManifestListing.ReadHeader(bytes.AsSpan(0, 200), "big").Problem);
    }
}
