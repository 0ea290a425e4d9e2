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
/// and a SIGKILL in the middle of a capture's uploads that leaves no half object and no snapshot to restore.
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
        await using var portal = S3Portal(master);
        await portal.StartAsync(Cancel);

        var id = await DeclaredShop.TakeSnapshotAsync(portal, "master");

        var keys = await _bucket.KeysAsync(Cancel);
        Assert.Contains($"{Prefix}manifests/{id}.json", keys);
        Assert.Contains(keys, k => k.StartsWith(Prefix + "objects/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_shop.DataPath, "snapshots", "objects")), "objects went to the local store instead of the bucket");

        await File.WriteAllTextAsync(Path.Combine(media, "kept.txt"), "changed", Cancel);
        File.Delete(Path.Combine(media, "big.bin"));
        using var dana = await portal.SignedInClientAsync(DeclaredShop.Admin, Cancel);
        var restore = await RunAsync(portal, dana, $"api/projects/shop/environments/master/snapshots/{id}/restore", new Dictionary<string, object> { ["safety_snapshot"] = false });

        Assert.True(restore.GetProperty("result").GetString() == "success", restore.GetProperty("log").GetString());
        Assert.Equal(before, DirectoryState.Capture(media));
    }

    [Fact]
    public async Task AKillMidUploadLeavesNoVisibleHalfObjectAndNoRestorableSnapshot()
    {
        var master = _shop.Environment("master");
        var media = master.Services[0].Location;
        const int Files = 4, FileMiB = 48, ChunkMiB = 8;
        for (var i = 0; i < Files; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(media, $"big{i}.bin"), RandomNumberGenerator.GetBytes(FileMiB * 1024 * 1024), Cancel);
        }

        await using var portal = S3Portal(master);
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
        // Fewer than the capture needs (the big files' chunks and each mount's kept.txt): it was stopped part-way.
        Assert.InRange(objects.Count, 1, (Files * FileMiB / ChunkMiB) + 2 - 1);
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

    /// <summary>Portal over the shop with the S3 store, its credentials in the environment as the AWS SDK's default chain reads them.</summary>
    private PortalProcess S3Portal(EnvironmentDefinition master)
    {
        var portal = new PortalProcess(_shop.DataPath);
        foreach (var (key, value) in DeclaredShop.Settings(_shop.Project(master)))
        {
            portal.Settings[key] = value;
        }

        portal.Settings["Engine:StoreKind"] = "S3";
        portal.Settings["Engine:S3:ServiceUrl"] = _bucket.ServiceUrl;
        portal.Settings["Engine:S3:Bucket"] = TestServers.S3Bucket;
        portal.Settings["Engine:S3:Prefix"] = Prefix;
        portal.Settings["Engine:S3:ForcePathStyle"] = "true";
        portal.Settings["Engine:S3:PartSizeMiB"] = "5";
        portal.EnvironmentVariables["AWS_ACCESS_KEY_ID"] = TestServers.S3AccessKey;
        portal.EnvironmentVariables["AWS_SECRET_ACCESS_KEY"] = TestServers.S3SecretKey;
        // No instance-metadata probe on a machine that is not in EC2.
        portal.EnvironmentVariables["AWS_EC2_METADATA_DISABLED"] = "true";
        return portal;
    }

    /// <summary>POSTs an activity and waits for it to finish; its final state as the API shows it.</summary>
    private static async Task<JsonElement> RunAsync(PortalProcess portal, HttpClient dana, string path, object body)
    {
        using var created = await dana.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, Cancel);
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync(Cancel));
        var activity = await created.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (activity.GetProperty("state").GetString() != "complete")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the activity did not finish in time:\n{portal.Output}");
            await Task.Delay(200, Cancel);
            activity = await dana.GetFromJsonAsync<JsonElement>(new Uri($"api/projects/shop/activities/{activity.GetProperty("id").GetString()}", UriKind.Relative), Cancel);
        }

        return activity;
    }
}
