namespace Portal.Infrastructure.Tests.Snapshots;

using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;
using ZstdNet;

/// <summary>
/// Issue #15 item 2: the real Portal process with Engine:StoreKind=S3 against the test S3 server (s3rver), credentials from
/// the AWS SDK's default chain (environment variables): a snapshot taken and restored through the REST API byte for byte,
/// a SIGKILL in the middle of a capture's uploads that leaves no half object and no snapshot to restore, and the disaster the
/// bucket is for: a fresh Portal that lost its database and data folder finds the snapshots again, with their dates, and restores them.
/// </summary>
public sealed class S3StoreProcessTests : IDisposable
{
    // The bucket first: without the test server the constructor skips (or fails under CI) before a shop folder exists.
    private readonly TestBucket _bucket = new("portal-process-");
    private readonly DeclaredShop _shop = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string Prefix => _bucket.Prefix;

    public void Dispose()
    {
        try
        {
            _bucket.Dispose();
        }
        finally
        {
            _shop.Dispose();
        }
    }

    [Fact]
    public async Task ASnapshotTakenAndRestoredThroughTheApiLivesInTheBucketAndComesBackByteForByte()
    {
        var master = _shop.Environment("master");
        var media = master.Services[0].Location;
        // Above the 5 MiB part size: one multipart object.
        await File.WriteAllBytesAsync(Path.Combine(media, "big.bin"), RandomNumberGenerator.GetBytes((7 * 1024 * 1024) + 3), Cancel);
        var before = DirectoryState.Capture(media);
        await using var portal = S3Portal(_shop.Project(master));
        await portal.StartAsync(Cancel);

        var id = await DeclaredShop.TakeSnapshotAsync(portal, "master");

        var keys = await _bucket.KeysAsync(Cancel);
        Assert.Contains($"{Prefix}manifests/{id}.json", keys);
        Assert.Contains(keys, k => k.StartsWith(Prefix + "objects/", StringComparison.Ordinal));
        // The small files are packed: a pack and its index, no loose object of their own.
        Assert.Contains(keys, k => k.StartsWith(Prefix + "packs/", StringComparison.Ordinal) && k.EndsWith(".pack", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith(Prefix + "packs/", StringComparison.Ordinal) && k.EndsWith(".index", StringComparison.Ordinal));
        Assert.Single(keys, k => k.StartsWith(Prefix + "objects/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_shop.DataPath, "snapshots", "objects")), "objects went to the local store instead of the bucket");

        await File.WriteAllTextAsync(Path.Combine(media, "kept.txt"), "changed", Cancel);
        File.Delete(Path.Combine(media, "big.bin"));
        using var dana = await portal.SignedInClientAsync(DeclaredShop.Admin, Cancel);
        var restore = await DeclaredShop.RunAsync(portal, dana, $"api/projects/shop/environments/master/snapshots/{id}/restore", new Dictionary<string, object> { ["safety_snapshot"] = false });

        Assert.True(restore.GetProperty("result").GetString() == "success", restore.GetProperty("log").GetString());
        Assert.Equal(before, DirectoryState.Capture(media));
    }

    [Fact]
    public async Task AKillMidUploadLeavesNoVisibleHalfObjectAndNoRestorableSnapshot()
    {
        var master = _shop.Environment("master");
        var media = master.Services[0].Location;
        const int Files = 4, FileMiB = 48, ChunkMiB = 8;
        // Only big chunks, so only multipart uploads: a small file's single PUT is written in place on s3rver as it arrives
        // (see below), and a kill in the middle of one showed it half-written (empty), which S3 and MinIO never show.
        foreach (var service in master.Services)
        {
            File.Delete(Path.Combine(service.Location, "kept.txt"));
        }

        for (var i = 0; i < Files; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(media, $"big{i}.bin"), RandomNumberGenerator.GetBytes(FileMiB * 1024 * 1024), Cancel);
        }

        await using var portal = S3Portal(_shop.Project(master));
        portal.Settings["Engine:ChunkSizeBytes"] = (ChunkMiB * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Each chunk goes as a multipart upload: s3rver writes a single PUT's body in place as it arrives (S3 and MinIO do not),
        // so only multipart uploads, which appear on completion, show on s3rver what Portal relies on S3 for.
        portal.Settings["Engine:S3:PartSizeMiB"] = "5";
        await portal.StartAsync(Cancel);
        using (var dana = await portal.SignedInClientAsync(DeclaredShop.Admin, Cancel))
        {
            using var queued = await dana.PostAsJsonAsync(new Uri("api/projects/shop/environments/master/snapshots", UriKind.Relative), new { live = false }, Cancel);
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        }

        // Killed once the first objects are in the bucket: the capture's other chunks are then being compressed and uploaded.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!(await _bucket.KeysAsync(Cancel)).Any(k => k.StartsWith(Prefix + "objects/", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no object reached the bucket:\n{portal.Output}");
            await Task.Delay(20, Cancel);
        }

        await portal.KillAsync();

        var keys = await _bucket.KeysAsync(Cancel);
        Assert.DoesNotContain(keys, k => k.StartsWith(Prefix + "manifests/", StringComparison.Ordinal));
        var objects = keys.Where(k => k.StartsWith(Prefix + "objects/", StringComparison.Ordinal)).ToList();
        // Fewer than the capture needs (the big files' chunks): it was stopped part-way.
        Assert.InRange(objects.Count, 1, (Files * FileMiB / ChunkMiB) - 1);
        foreach (var key in objects)
        {
            // Every visible object is whole: its content decompresses and hashes to its name.
            using var response = await _bucket.Client.GetObjectAsync(TestBucket.Bucket, key, Cancel);
            await using var content = new DecompressionStream(response.ResponseStream);
            var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, Cancel));
            var name = key[(Prefix.Length + "objects/".Length)..].Replace("/", "", StringComparison.Ordinal);
            Assert.Equal(name, hash);
        }

        // Started again on the same data and bucket: the interrupted snapshot is not offered for restore.
        await portal.StartAsync(Cancel);
        using var again = await portal.SignedInClientAsync(DeclaredShop.Admin, Cancel);
        var snapshots = await again.GetFromJsonAsync<JsonElement>(new Uri("api/projects/shop/environments/master/snapshots", UriKind.Relative), Cancel);
        Assert.DoesNotContain(snapshots.EnumerateArray(), s => s.GetProperty("restorable").GetBoolean());
    }

    [Fact]
    public async Task AKillWhilePacksAreSentLeavesNoSnapshotAndTheNextSnapshotRestoresAndItsDeleteCollectsEveryPack()
    {
        var master = _shop.Environment("master");
        var media = master.Services[0].Location;
        var random = new Random(20261204);
        for (var i = 0; i < 1500; i++)
        {
            var content = new byte[random.Next(10_000, 40_000)];
            random.NextBytes(content);
            await File.WriteAllBytesAsync(Path.Combine(media, $"small-{i:D4}.bin"), content, Cancel);
        }

        var before = DirectoryState.Capture(media);
        await using var portal = S3Portal(_shop.Project(master));
        // Packs of 1 MiB: the capture sends dozens, so the kill lands while some are in the bucket and others are not.
        portal.Settings["Engine:S3:PackSizeMiB"] = "1";
        await portal.StartAsync(Cancel);
        using (var dana = await portal.SignedInClientAsync(DeclaredShop.Admin, Cancel))
        {
            using var queued = await dana.PostAsJsonAsync(new Uri("api/projects/shop/environments/master/snapshots", UriKind.Relative), new { live = false }, Cancel);
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        }

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!(await _bucket.KeysAsync(Cancel)).Any(k => k.EndsWith(".index", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no pack reached the bucket:\n{portal.Output}");
            await Task.Delay(20, Cancel);
        }

        await portal.KillAsync();

        var keys = await _bucket.KeysAsync(Cancel);
        Assert.DoesNotContain(keys, k => k.StartsWith(Prefix + "manifests/", StringComparison.Ordinal));
        // Fewer packs than the capture needs (about 36 MB in 1 MiB packs): it was stopped part-way.
        Assert.InRange(keys.Count(k => k.EndsWith(".pack", StringComparison.Ordinal)), 1, 30);

        await portal.StartAsync(Cancel);
        using var again = await portal.SignedInClientAsync(DeclaredShop.Admin, Cancel);
        Assert.DoesNotContain((await ListAsync(again, "master")).EnumerateArray(), s => s.GetProperty("restorable").GetBoolean());

        // The next snapshot, taken over what the killed one left in the bucket, restores byte for byte.
        var id = await DeclaredShop.TakeSnapshotAsync(portal, "master");
        File.Delete(Path.Combine(media, "small-0000.bin"));
        await File.WriteAllTextAsync(Path.Combine(media, "small-0001.bin"), "changed", Cancel);
        var restore = await DeclaredShop.RunAsync(portal, again, $"api/projects/shop/environments/master/snapshots/{id}/restore", new Dictionary<string, object> { ["safety_snapshot"] = false });
        Assert.True(restore.GetProperty("result").GetString() == "success", restore.GetProperty("log").GetString());
        Assert.Equal(before, DirectoryState.Capture(media));

        // Deleting the only snapshot collects every pack, those the kill left without an index too.
        using var deleted = await again.DeleteAsync(new Uri($"api/projects/shop/environments/master/snapshots/{id}", UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var activity = await deleted.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        deadline = DateTime.UtcNow.AddMinutes(2);
        while (activity.GetProperty("state").GetString() != "complete")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the delete did not finish in time:\n{portal.Output}");
            await Task.Delay(200, Cancel);
            activity = await again.GetFromJsonAsync<JsonElement>(new Uri($"api/projects/shop/activities/{activity.GetProperty("id").GetString()}", UriKind.Relative), Cancel);
        }

        Assert.True(activity.GetProperty("result").GetString() == "success", activity.GetProperty("log").GetString());
        var left = (await _bucket.KeysAsync(Cancel)).Where(k => k.StartsWith(Prefix + "packs/", StringComparison.Ordinal) || k.StartsWith(Prefix + "objects/", StringComparison.Ordinal)).ToList();
        Assert.True(left.Count == 0, $"left in the bucket: {string.Join(", ", left)}\n{portal.Output}");
    }

    [Fact]
    public async Task AFreshPortalOnTheSameBucketAfterLosingItsDatabaseAndDataFolderListsTheSnapshotsWithTheirDatesAndRestoresThem()
    {
        var master = _shop.Environment("master");
        var feature = _shop.Environment("feature", "master");
        var declared = _shop.Project(master, feature);
        var environments = new[] { master, feature };
        foreach (var environment in environments)
        {
            await File.WriteAllBytesAsync(Path.Combine(environment.Services[0].Location, "photo.bin"), RandomNumberGenerator.GetBytes(300_000), Cancel);
        }

        var before = environments.ToDictionary(e => e.Name, e => e.Services.Select(s => DirectoryState.Capture(s.Location)).ToList());
        var taken = new Dictionary<string, JsonElement>();
        await using (var lostDatabase = await TestDatabase.CreateAsync(TestDatabase.PostgreSql))
        await using (var lost = S3Portal(declared, lostDatabase))
        {
            await lost.StartAsync(Cancel);
            using var dana = await lost.SignedInClientAsync(DeclaredShop.Admin, Cancel);
            foreach (var environment in environments)
            {
                var id = await DeclaredShop.TakeSnapshotAsync(lost, environment.Name);
                taken[environment.Name] = Assert.Single((await ListAsync(dana, environment.Name)).EnumerateArray(), s => s.GetProperty("id").GetString() == id);
            }

            Assert.Equal(0, await lost.StopAsync(Cancel));
        }

        // The disaster: the database is gone (dropped above) and so is the data folder.
        Directory.Delete(_shop.DataPath, recursive: true);
        foreach (var environment in environments)
        {
            await File.WriteAllTextAsync(Path.Combine(environment.Services[0].Location, "kept.txt"), "changed after the disaster", Cancel);
            File.Delete(Path.Combine(environment.Services[0].Location, "photo.bin"));
            File.Delete(Path.Combine(environment.Services[1].Location, "kept.txt"));
        }

        await using var freshDatabase = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var fresh = S3Portal(declared, freshDatabase);
        fresh.Settings["Snapshots:ReindexOnStart"] = "true";
        await fresh.StartAsync(Cancel);
        Assert.Contains("Reindex: 2 manifests, 2 added, 0 already known, 0 skipped", fresh.Output, StringComparison.Ordinal);
        using var again = await fresh.SignedInClientAsync(DeclaredShop.Admin, Cancel);
        foreach (var environment in environments)
        {
            var found = Assert.Single((await ListAsync(again, environment.Name)).EnumerateArray());
            var original = taken[environment.Name];
            Assert.Equal(original.GetProperty("id").GetString(), found.GetProperty("id").GetString());
            Assert.Equal(original.GetProperty("created_at").GetDateTimeOffset(), found.GetProperty("created_at").GetDateTimeOffset());
            Assert.True(found.GetProperty("restorable").GetBoolean(), found.ToString());

            var restore = await DeclaredShop.RunAsync(fresh, again, $"api/projects/shop/environments/{environment.Name}/snapshots/{found.GetProperty("id").GetString()}/restore",
                new Dictionary<string, object> { ["safety_snapshot"] = false });
            Assert.True(restore.GetProperty("result").GetString() == "success", restore.GetProperty("log").GetString());
            Assert.Equal(before[environment.Name], environment.Services.Select(s => DirectoryState.Capture(s.Location)).ToList());
        }
    }

    /// <summary>Portal over the shop's data folder with the S3 store under this test's prefix, on this database (SQLite in the data folder when none).</summary>
    private PortalProcess S3Portal(ProjectDefinition declared, TestDatabase? database = null)
    {
        var portal = new PortalProcess(_shop.DataPath);
        foreach (var (key, value) in DeclaredShop.Settings(declared).Concat(database?.Settings ?? []))
        {
            portal.Settings[key] = value;
        }

        return _bucket.Serve(portal);
    }

    private static async Task<JsonElement> ListAsync(HttpClient client, string environment) =>
        await client.GetFromJsonAsync<JsonElement>(new Uri($"api/projects/shop/environments/{environment}/snapshots", UriKind.Relative), Cancel);
}
