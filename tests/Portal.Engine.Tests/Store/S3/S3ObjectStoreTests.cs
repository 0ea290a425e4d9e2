namespace Portal.Engine.Tests.Store.S3;

using System.Security.Cryptography;
using Amazon.Runtime;
using Portal.Contracts;
using Portal.Engine.Store;
using Portal.Engine.Store.S3;

public sealed class S3ObjectStoreTests : S3StoreTests
{
    [Fact]
    public async Task APartFailingWith503IsRetriedAndTheObjectIsStoredWholeOnce()
    {
        var failing = new FailingHttpClientFactory(r => r.Method == HttpMethod.Put && r.RequestUri!.Query.Contains("partNumber=2", StringComparison.Ordinal));
        var s3 = Track(new S3TestStore(failing));
        var store = Retrying(s3.Store);
        var content = RandomNumberGenerator.GetBytes(11 * 1024 * 1024);
        var hash = ObjectStoreContractTests.Hash(content);

        Assert.Equal(content.Length, await ObjectStoreContractTests.PutAsync(store, hash, content));

        Assert.Equal(1, failing.Failed);
        Assert.Equal(1, failing.Passed);
        Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(store, hash));
        Assert.Equal([s3.Store.ObjectKey(hash)], await s3.KeysAsync(Token));
    }

    [Fact]
    public async Task APutObjectFailingWith503IsRetriedAndTheObjectIsStoredWholeOnce()
    {
        var failing = new FailingHttpClientFactory(r => r.Method == HttpMethod.Put && r.RequestUri!.AbsolutePath.Contains("/objects/", StringComparison.Ordinal), failures: 2);
        var s3 = Track(new S3TestStore(failing));
        var store = Retrying(s3.Store);
        var content = RandomNumberGenerator.GetBytes(64 * 1024);
        var hash = ObjectStoreContractTests.Hash(content);

        Assert.Equal(content.Length, await ObjectStoreContractTests.PutAsync(store, hash, content));

        Assert.Equal((2, 1), (failing.Failed, failing.Passed));
        Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(store, hash));
        Assert.Equal([s3.Store.ObjectKey(hash)], await s3.KeysAsync(Token));
    }

    [Fact]
    public async Task ACommitOfAnObjectTheCallerFoundMissingIsOnePutObjectAndCountsAsNew()
    {
        var counting = new FailingHttpClientFactory(_ => false, failures: 0);
        var s3 = Track(new S3TestStore(counting));
        var content = RandomNumberGenerator.GetBytes(10_000);
        var hash = ObjectStoreContractTests.Hash(content);

        Assert.Equal(content.Length, await CommitAsync(s3.Store, hash, content, knownMissing: true));

        Assert.Equal([$"PUT /{TestServers.S3Bucket}/{s3.Store.ObjectKey(hash)}"], counting.Sent);
        Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(s3.Store, hash));
    }

    [Fact]
    public async Task ACommitOfAnObjectNobodyLookedUpAsksFirstAndAStoredOneIsNotSentAgainNorCountedAsNew()
    {
        var counting = new FailingHttpClientFactory(_ => false, failures: 0);
        var s3 = Track(new S3TestStore(counting));
        var content = RandomNumberGenerator.GetBytes(10_000);
        var hash = ObjectStoreContractTests.Hash(content);
        var key = $"/{TestServers.S3Bucket}/{s3.Store.ObjectKey(hash)}";

        Assert.Equal(content.Length, await CommitAsync(s3.Store, hash, content, knownMissing: false));
        Assert.Equal(0, await CommitAsync(s3.Store, hash, content, knownMissing: false));

        Assert.Equal([$"HEAD {key}", $"PUT {key}", $"HEAD {key}"], counting.Sent);
    }

    [Fact]
    public async Task ARefusalIsPermanentAndNamesBucketAndKeyButNotTheCredentials()
    {
        var s3 = Track(new S3TestStore());
        using var client = S3ObjectStore.CreateClient(s3.Options, new BasicAWSCredentials("NOT-A-KEY", "wrong-secret-4f1c"));
        var store = Retrying(new S3ObjectStore(s3.Options, s3.LocalRoot, client));

        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(async () => await store.WriteManifestAsync("s1", [1], [], Token));

        Assert.Contains($"s3://{TestServers.S3Bucket}/{s3.Options.KeyPrefix}manifests/s1.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("403", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-4f1c", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEngineCaptureAndRestoreThroughS3GiveTheMountBackByteForByte()
    {
        var s3 = Track(new S3TestStore());
        var media = Directory.CreateTempSubdirectory("portal-s3-media-").FullName;
        Directory.CreateDirectory(Path.Combine(media, "images"));
        File.WriteAllText(Path.Combine(media, "images", "a.txt"), "alpha");
        // Above the part size: a multipart object; incompressible, so stored as raw zstd blocks.
        File.WriteAllBytes(Path.Combine(media, "big.bin"), RandomNumberGenerator.GetBytes((13 * 1024 * 1024) + 7));
        File.WriteAllBytes(Path.Combine(media, "zeros.bin"), new byte[3 * 1024 * 1024]);
        Tree.SetOldMTime(media);
        var before = Tree.Describe(media);
        var spec = new ServiceSpec("media", ServiceKind.Mount, media);
        var options = new EngineOptions { StorePath = s3.LocalRoot, ChunkSizeBytes = 32L * 1024 * 1024, StoreKind = StoreKind.S3, S3 = s3.Options };
        using var engine = TestEngines.Create(options, Retrying(s3.Store));
        try
        {
            await engine.CaptureAsync(new CaptureRequest("s1", "env-1", [spec]), new Progress<EngineProgress>(), Token);
            File.WriteAllText(Path.Combine(media, "images", "a.txt"), "changed");
            File.Delete(Path.Combine(media, "big.bin"));

            await engine.RestoreAsync(new RestoreRequest("s1", [spec], EnvironmentKey: "env-1"), new Progress<EngineProgress>(), Token);
            await engine.WhenOldTreesRemovedAsync();

            Assert.Equal(before, Tree.Describe(media));
            Assert.Contains(s3.Store.ManifestKey("s1"), await s3.KeysAsync(Token));
            Assert.True(await engine.HasManifestAsync("s1", Token));
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }
    }

    [Fact]
    public async Task AMountIsCapturedAndRestoredWithMoreTransfersInFlightThanCores()
    {
        // A slow network: with one worker per core, at most one request per core would be in flight.
        var parallelism = Environment.ProcessorCount + 2;
        var slow = new FailingHttpClientFactory(_ => false, failures: 0) { Latency = TimeSpan.FromMilliseconds(40) };
        var s3 = Track(new S3TestStore(slow, parallelism: parallelism));
        var media = Directory.CreateTempSubdirectory("portal-s3-parallel-").FullName;
        for (var i = 0; i < 48; i++)
        {
            File.WriteAllBytes(Path.Combine(media, $"{i}.bin"), RandomNumberGenerator.GetBytes(5000));
        }

        Tree.SetOldMTime(media);
        var before = Tree.Describe(media);
        var spec = new ServiceSpec("media", ServiceKind.Mount, media);
        var options = new EngineOptions { StorePath = s3.LocalRoot, StoreKind = StoreKind.S3, S3 = s3.Options };
        using var engine = TestEngines.Create(options, Retrying(s3.Store));
        try
        {
            await engine.CaptureAsync(new CaptureRequest("s1", "env-1", [spec]), new Progress<EngineProgress>(), Token);
            var capturing = slow.MaxInFlight;
            slow.ResetMaxInFlight();
            foreach (var file in Directory.EnumerateFiles(media))
            {
                File.Delete(file);
            }

            await engine.RestoreAsync(new RestoreRequest("s1", [spec], EnvironmentKey: "env-1"), new Progress<EngineProgress>(), Token);
            await engine.WhenOldTreesRemovedAsync();

            Assert.Equal(before, Tree.Describe(media));
            Assert.InRange(capturing, Environment.ProcessorCount + 1, parallelism);
            Assert.InRange(slow.MaxInFlight, Environment.ProcessorCount + 1, parallelism);
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }
    }

    [Fact]
    public async Task ListingAndMeasuringAStoreOfMoreThanAThousandObjectsSeesEveryOne()
    {
        // More than one page of keys: s3rver cannot page ListObjectsV2, so this fails if the store pages with it.
        var s3 = Track(new S3TestStore());
        var hashes = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1005), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Token }, async (i, token) =>
        {
            var content = BitConverter.GetBytes(i);
            var hash = ObjectStoreContractTests.Hash(content);
            await CommitAsync(s3.Store, hash, content, knownMissing: true);
            hashes.Add(hash);
        });

        Assert.Equal(hashes.Order(), (await s3.Store.ListAsync(Token)).Order());
        Assert.Equal(1005 * sizeof(int), await s3.Store.TotalBytesAsync(Token));
    }

    private static async Task<long> CommitAsync(S3ObjectStore store, string hash, byte[] content, bool knownMissing)
    {
        using var pending = await store.BeginPutAsync(Token);
        pending.Content.Write(content);
        return await store.CommitAsync(pending, hash, knownMissing, Token);
    }
}
