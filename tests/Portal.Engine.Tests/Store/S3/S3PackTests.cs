namespace Portal.Engine.Tests.Store.S3;

using System.Security.Cryptography;
using Portal.Contracts;
using Portal.Engine.Store;
using Portal.Engine.Store.S3;

/// <summary>Small objects packed into pack objects: few requests, nothing visible before its index, and collections that free packs.</summary>
public sealed class S3PackTests : S3StoreTests
{
    [Fact]
    public async Task SmallObjectsBecomeAFewPacksSentBeforeTheManifestAndAnotherNodeReadsThemByteForByte()
    {
        var counting = new FailingHttpClientFactory(_ => false, failures: 0);
        var s3 = Track(new S3TestStore(counting, packObjectsUpToKiB: 256, packSizeMiB: 1));
        var objects = Objects(100, 20 * 1024);
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content.Length, await PutAsync(s3.Store, hash, content));
        }

        // 2 MB in 1 MiB packs: the full ones are sent as they fill, the last one waits for the manifest.
        var beforeManifest = await s3.KeysAsync(Token);
        Assert.DoesNotContain(beforeManifest, key => key.Contains("/objects/", StringComparison.Ordinal));
        await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token);

        var keys = await s3.KeysAsync(Token);
        var packs = keys.Where(k => k.EndsWith(".pack", StringComparison.Ordinal)).ToList();
        Assert.InRange(packs.Count, 2, 3);
        Assert.Equal(packs.Count, keys.Count(k => k.EndsWith(".index", StringComparison.Ordinal)));
        Assert.Equal(packs.Count * 2, counting.Sent.Count(r => r.StartsWith("PUT ", StringComparison.Ordinal) && r.Contains("/packs/", StringComparison.Ordinal)));
        Assert.DoesNotContain(counting.Sent, r => r.Contains("/objects/", StringComparison.Ordinal) && r.StartsWith("PUT ", StringComparison.Ordinal));

        var other = OtherNode(s3);
        Assert.Equal(objects.Keys.Order(), (await other.WhichExistAsync(objects.Keys, Token)).Order());
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(other, hash));
        }
    }

    [Fact]
    public async Task APackWhoseIndexWasNeverWrittenHoldsNothingAndTheNextCollectionRemovesIt()
    {
        // The index PUT always fails: the state a kill between the pack and its index leaves.
        var failing = new FailingHttpClientFactory(r => r.Method == HttpMethod.Put && r.RequestUri!.AbsolutePath.EndsWith(".index", StringComparison.Ordinal), failures: int.MaxValue);
        var s3 = Track(new S3TestStore(failing, packObjectsUpToKiB: 256));
        var objects = Objects(5, 1000);
        foreach (var (hash, content) in objects)
        {
            await PutAsync(s3.Store, hash, content);
        }

        await Assert.ThrowsAsync<ObjectStoreTransientException>(async () => await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token));

        var keys = await s3.KeysAsync(Token);
        Assert.Single(keys, k => k.EndsWith(".pack", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.EndsWith(".index", StringComparison.Ordinal) || k.Contains("/manifests/", StringComparison.Ordinal));

        var other = OtherNode(s3);
        Assert.Empty(await other.WhichExistAsync(objects.Keys, Token));
        Assert.Empty(await other.ListAsync(Token));
        await other.CompactAsync(everyReferencedObjectListed: true, Token);
        Assert.Empty(await s3.KeysAsync(Token));
    }

    [Fact]
    public async Task ACollectionStoppedBetweenAPacksIndexAndThePackLeavesAPackTheNextCollectionRemoves()
    {
        // Every pack DELETE fails: the state a kill between a collected pack's two deletes leaves, index gone, pack still there.
        var failing = new FailingHttpClientFactory(r => r.Method == HttpMethod.Delete && r.RequestUri!.AbsolutePath.EndsWith(".pack", StringComparison.Ordinal), failures: int.MaxValue);
        var s3 = Track(new S3TestStore(failing, packObjectsUpToKiB: 256));
        var objects = Objects(5, 1000);
        foreach (var (hash, content) in objects)
        {
            await PutAsync(s3.Store, hash, content);
        }

        await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token);
        foreach (var hash in await s3.Store.ListAsync(Token))
        {
            await s3.Store.DeleteAsync(hash, Token);
        }

        await Assert.ThrowsAsync<ObjectStoreTransientException>(async () => await s3.Store.CompactAsync(everyReferencedObjectListed: true, Token));

        var keys = await s3.KeysAsync(Token);
        Assert.Single(keys, k => k.EndsWith(".pack", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.EndsWith(".index", StringComparison.Ordinal));
        var other = OtherNode(s3, healthy: true);
        Assert.Empty(await other.WhichExistAsync(objects.Keys, Token));
        Assert.Empty(await other.ListAsync(Token));
        await other.CompactAsync(everyReferencedObjectListed: true, Token);
        Assert.DoesNotContain(await s3.KeysAsync(Token), k => k.EndsWith(".pack", StringComparison.Ordinal) || k.EndsWith(".index", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APackWhoseIndexIsCutShortIsBypassedAndCollectedOnlyOnceEveryReferencedObjectIsFoundElsewhere()
    {
        var s3 = Track(new S3TestStore(packObjectsUpToKiB: 256));
        var objects = Objects(5, 1000);
        foreach (var (hash, content) in objects)
        {
            await PutAsync(s3.Store, hash, content);
        }

        await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token);
        var keys = await s3.KeysAsync(Token);
        var packKey = Assert.Single(keys, k => k.EndsWith(".pack", StringComparison.Ordinal));
        var indexKey = Assert.Single(keys, k => k.EndsWith(".index", StringComparison.Ordinal));
        await CutShortAsync(s3, indexKey);

        var other = OtherNode(s3);
        await other.RefreshAsync(Token);

        Assert.Empty(await other.WhichExistAsync(objects.Keys, Token));
        // What a restore of the older snapshot meets: the object is missing, named by its key (objects/ab/cdef…), not a damaged store.
        var first = objects.Keys.First();
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(async () => await other.OpenReadAsync(first, Token));
        Assert.Contains(first[2..], missing.Message, StringComparison.Ordinal);
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content.Length, await PutAsync(other, hash, content));
        }

        await other.WriteManifestAsync("s2", "{}"u8.ToArray(), [.. objects.Keys], Token);
        var third = OtherNode(s3);
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(third, hash));
        }

        // Nothing says what the damaged pack holds: while a manifest names an object the listing lacks, it may be there.
        foreach (var hash in (await third.ListAsync(Token)).Where(h => !objects.ContainsKey(h)))
        {
            await third.DeleteAsync(hash, Token);
        }

        await third.CompactAsync(everyReferencedObjectListed: false, Token);
        Assert.Contains(packKey, await s3.KeysAsync(Token));

        // Once every referenced object was listed elsewhere, the damaged pack and its index go.
        await third.ListAsync(Token);
        await third.CompactAsync(everyReferencedObjectListed: true, Token);
        var left = await s3.KeysAsync(Token);
        Assert.DoesNotContain(packKey, left);
        Assert.DoesNotContain(indexKey, left);
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(OtherNode(s3), hash));
        }
    }

    [Fact]
    public async Task ATransientFailureSendingAPackIsRetriedAndTheManifestFollowsIt()
    {
        var failing = new FailingHttpClientFactory(r => r.Method == HttpMethod.Put && r.RequestUri!.AbsolutePath.EndsWith(".pack", StringComparison.Ordinal), failures: 2);
        var s3 = Track(new S3TestStore(failing, packObjectsUpToKiB: 256));
        var store = Retrying(s3.Store);
        var objects = Objects(10, 5000);
        foreach (var (hash, content) in objects)
        {
            await PutAsync(store, hash, content);
        }

        await store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token);

        Assert.Equal((2, 1), (failing.Failed, failing.Passed));
        var other = OtherNode(s3);
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(other, hash));
        }
    }

    [Fact]
    public async Task PacksThatFailWhileSentBehindTheCaptureAreSentAgainBeforeTheManifest()
    {
        // Four full packs and a partial one; the first three attempts to send a pack fail, whichever pack they carry.
        var failing = new FailingHttpClientFactory(r => r.Method == HttpMethod.Put && r.RequestUri!.AbsolutePath.EndsWith(".pack", StringComparison.Ordinal), failures: 3);
        var s3 = Track(new S3TestStore(failing, packObjectsUpToKiB: 256, packSizeMiB: 1));
        var store = Retrying(s3.Store);
        var objects = Objects(230, 20_000);
        foreach (var (hash, content) in objects)
        {
            await PutAsync(store, hash, content);
        }

        await store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token);

        Assert.Equal(3, failing.Failed);
        var keys = await s3.KeysAsync(Token);
        Assert.Equal(5, keys.Count(k => k.EndsWith(".pack", StringComparison.Ordinal)));
        var other = OtherNode(s3);
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(other, hash));
        }
    }

    [Fact]
    public async Task PacksReadForARestoreLeaveMemoryOnceNobodyReadsThem()
    {
        var s3 = Track(new S3TestStore(packObjectsUpToKiB: 256, packSizeMiB: 1));
        var objects = Objects(120, 20_000);
        foreach (var (hash, content) in objects)
        {
            await PutAsync(s3.Store, hash, content);
        }

        await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token);
        var other = OtherNode(s3);
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(other, hash));
        }

        // 2.4 MB in 1 MiB packs, each read whole once.
        Assert.Equal(3, other.CachedPacks);

        // What the sweep does every 30 s to packs read longer ago than that.
        other.EvictIdle(TimeSpan.Zero);

        Assert.Equal(0, other.CachedPacks);
        var first = objects.First();
        Assert.Equal(first.Value, await ObjectStoreContractTests.ReadAsync(other, first.Key));
    }

    [Fact]
    public async Task AFolderAnsweredFromMemoryStopsNamingAnObjectOnceACollectionDeletedIt()
    {
        var counting = new FailingHttpClientFactory(_ => false, failures: 0);
        var s3 = Track(new S3TestStore(counting, packObjectsUpToKiB: 256));
        var objects = Objects(40, 1000);
        foreach (var (hash, content) in objects)
        {
            await PutAsync(s3.Store, hash, content);
        }

        await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token);
        await s3.Store.RefreshAsync(Token);
        var gone = objects.Keys.First();
        var sent = counting.Sent.Count;

        Assert.Contains(gone[2..], (await s3.Store.ListFolderAsync(gone[..2], Token))!.Names);
        Assert.Equal(sent, counting.Sent.Count);

        // A collection: it lists (rereading the index), the folder is answered again from memory, then the object goes.
        await s3.Store.ListAsync(Token);
        Assert.Contains(gone[2..], (await s3.Store.ListFolderAsync(gone[..2], Token))!.Names);
        await s3.Store.DeleteAsync(gone, Token);

        Assert.DoesNotContain(gone[2..], (await s3.Store.ListFolderAsync(gone[..2], Token))!.Names);
        Assert.False(await s3.Store.ExistsAsync(gone, Token));
    }

    [Fact]
    public async Task ACollectionRepacksAMostlyUnreferencedPackAndRemovesAnUnreferencedOne()
    {
        var s3 = Track(new S3TestStore(packObjectsUpToKiB: 256));
        var first = Objects(10, 10_000, seed: 1);
        var second = Objects(10, 10_000, seed: 2);
        foreach (var (hash, content) in first)
        {
            await PutAsync(s3.Store, hash, content);
        }

        await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. first.Keys], Token);
        foreach (var (hash, content) in second)
        {
            await PutAsync(s3.Store, hash, content);
        }

        await s3.Store.WriteManifestAsync("s2", "{}"u8.ToArray(), [.. second.Keys], Token);
        var packsBefore = (await s3.KeysAsync(Token)).Where(k => k.EndsWith(".pack", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, packsBefore.Count);
        var totalBefore = await s3.Store.TotalBytesAsync(Token);

        // Keep 2 of the first pack's objects and none of the second's, as a collection would decide.
        var kept = first.Keys.Take(2).ToHashSet();
        foreach (var hash in (await s3.Store.ListAsync(Token)).Where(h => !kept.Contains(h)))
        {
            await s3.Store.DeleteAsync(hash, Token);
        }

        await s3.Store.CompactAsync(everyReferencedObjectListed: true, Token);

        var packsAfter = (await s3.KeysAsync(Token)).Where(k => k.EndsWith(".pack", StringComparison.Ordinal)).ToList();
        Assert.Single(packsAfter);
        Assert.DoesNotContain(packsAfter[0], packsBefore);
        Assert.InRange(await s3.Store.TotalBytesAsync(Token), 1, totalBefore / 5);
        var other = OtherNode(s3);
        Assert.Equal(kept.Order(), (await other.ListAsync(Token)).Order());
        foreach (var hash in kept)
        {
            Assert.Equal(first[hash], await ObjectStoreContractTests.ReadAsync(other, hash));
        }
    }

    [Fact]
    public async Task APackAnotherNodeCollectedIsNoLongerNamedAfterARefresh()
    {
        var s3 = Track(new S3TestStore(packObjectsUpToKiB: 256));
        var objects = Objects(4, 1000);
        foreach (var (hash, content) in objects)
        {
            await PutAsync(s3.Store, hash, content);
        }

        await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. objects.Keys], Token);
        var other = OtherNode(s3);
        foreach (var hash in await other.ListAsync(Token))
        {
            await other.DeleteAsync(hash, Token);
        }

        await other.CompactAsync(everyReferencedObjectListed: true, Token);
        Assert.True(await s3.Store.ExistsAsync(objects.Keys.First(), Token));

        await s3.Store.RefreshAsync(Token);

        Assert.Empty(await s3.Store.WhichExistAsync(objects.Keys, Token));
        Assert.False(await s3.Store.ExistsAsync(objects.Keys.First(), Token));
    }

    [Fact]
    public async Task AnObjectTwoNodesPackedIsKeptOnceByACollection()
    {
        var s3 = Track(new S3TestStore(packObjectsUpToKiB: 256));
        var other = OtherNode(s3);
        // Both nodes read the index before either stored anything, as two captures starting together on two nodes do.
        await other.RefreshAsync(Token);
        await s3.Store.RefreshAsync(Token);
        var objects = Objects(3, 1000);
        foreach (var (store, id) in new[] { ((IObjectStore)s3.Store, "s1"), (other, "s2") })
        {
            foreach (var (hash, content) in objects)
            {
                await PutAsync(store, hash, content);
            }

            await store.WriteManifestAsync(id, "{}"u8.ToArray(), [.. objects.Keys], Token);
        }

        Assert.Equal(2, (await s3.KeysAsync(Token)).Count(k => k.EndsWith(".pack", StringComparison.Ordinal)));

        // Both snapshots still reference every object: only the second copy goes.
        Assert.Equal(objects.Keys.Order(), (await s3.Store.ListAsync(Token)).Order());
        await s3.Store.CompactAsync(everyReferencedObjectListed: true, Token);

        Assert.Single(await s3.KeysAsync(Token), k => k.EndsWith(".pack", StringComparison.Ordinal));
        var third = OtherNode(s3);
        foreach (var (hash, content) in objects)
        {
            Assert.Equal(content, await ObjectStoreContractTests.ReadAsync(third, hash));
        }
    }

    [Fact]
    public async Task AnEnginesCollectionKeepsAPackWithACutShortIndexWhileASnapshotNeedsItsObjectsAndRemovesItAfter()
    {
        var s3 = Track(new S3TestStore(packObjectsUpToKiB: 1024));
        var media = Directory.CreateTempSubdirectory("portal-s3-damaged-").FullName;
        try
        {
            var spec = new ServiceSpec("media", ServiceKind.Mount, media);
            var options = new EngineOptions { StorePath = s3.LocalRoot, StoreKind = StoreKind.S3, S3 = s3.Options };
            async Task<string> CaptureAsync(string id, int seed)
            {
                foreach (var file in Directory.GetFiles(media))
                {
                    File.Delete(file);
                }

                var random = new Random(seed);
                for (var i = 0; i < 20; i++)
                {
                    var content = new byte[random.Next(100, 5_000)];
                    random.NextBytes(content);
                    File.WriteAllBytes(Path.Combine(media, $"file-{i:D2}.bin"), content);
                }

                var before = await s3.KeysAsync(Token);
                using var engine = TestEngines.Create(options, Retrying(OtherNode(s3)));
                await engine.CaptureAsync(new CaptureRequest(id, "env-1", [spec]), new Progress<EngineProgress>(), Token);
                return Assert.Single((await s3.KeysAsync(Token)).Except(before), k => k.EndsWith(".index", StringComparison.Ordinal));
            }

            async Task DeleteAsync(string id)
            {
                using var engine = TestEngines.Create(options, Retrying(OtherNode(s3)));
                await engine.DeleteAsync(id, Token);
            }

            var damaged = await CaptureAsync("s1", seed: 1);
            await CutShortAsync(s3, damaged);
            await CaptureAsync("s2", seed: 2);

            // s1 names objects that only the damaged pack may hold: deleting s2 keeps that pack.
            await DeleteAsync("s2");
            var keys = await s3.KeysAsync(Token);
            Assert.Contains(damaged, keys);
            Assert.Single(keys, k => k.EndsWith(".pack", StringComparison.Ordinal));

            // With s1 gone nothing can need it.
            await DeleteAsync("s1");
            Assert.DoesNotContain(await s3.KeysAsync(Token), k => k.Contains("/packs/", StringComparison.Ordinal) || k.Contains("/objects/", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }
    }

    [Fact]
    public async Task AMountIsCapturedIntoPacksAndRestoredByteForByteByAnEngineOnAnotherNode()
    {
        var s3 = Track(new S3TestStore(packObjectsUpToKiB: 1024, packSizeMiB: 1));
        var media = Directory.CreateTempSubdirectory("portal-s3-packs-").FullName;
        try
        {
            var random = new Random(20261204);
            for (var i = 0; i < 300; i++)
            {
                var content = new byte[random.Next(1, 40_000)];
                random.NextBytes(content);
                File.WriteAllBytes(Path.Combine(media, $"file-{i:D3}.bin"), content);
            }

            File.WriteAllBytes(Path.Combine(media, "big.bin"), RandomNumberGenerator.GetBytes(3 * 1024 * 1024));
            var before = Tree.Describe(media);
            var spec = new ServiceSpec("media", ServiceKind.Mount, media);
            var options = new EngineOptions { StorePath = s3.LocalRoot, StoreKind = StoreKind.S3, S3 = s3.Options };
            using (var engine = TestEngines.Create(options, Retrying(s3.Store)))
            {
                await engine.CaptureAsync(new CaptureRequest("s1", "env-1", [spec]), new Progress<EngineProgress>(), Token);
            }

            var keys = await s3.KeysAsync(Token);
            Assert.Single(keys, k => k.Contains("/objects/", StringComparison.Ordinal));
            var packs = keys.Count(k => k.EndsWith(".pack", StringComparison.Ordinal));
            Assert.InRange(packs, 5, 8);
            Directory.Delete(media, recursive: true);

            var otherRoot = Directory.CreateTempSubdirectory("portal-s3-node-").FullName;
            try
            {
                var counting = new FailingHttpClientFactory(_ => false, failures: 0);
                using var client = S3ObjectStore.CreateClient(s3.Options, TestBucket.Credentials, counting);
                using var store = new S3ObjectStore(s3.Options, otherRoot, client);
                using var engine = TestEngines.Create(new EngineOptions { StorePath = otherRoot, StoreKind = StoreKind.S3, S3 = s3.Options }, Retrying(store));
                await engine.RestoreAsync(new RestoreRequest("s1", [spec], EnvironmentKey: "env-1"), new Progress<EngineProgress>(), Token);
                await engine.WhenOldTreesRemovedAsync();
                Assert.Equal(before, Tree.Describe(media));
                // Files are restored in the order their objects sit in the packs: each pack is downloaded once, never per object.
                var packReads = counting.Sent.Where(r => r.StartsWith("GET ", StringComparison.Ordinal) && r.Contains(".pack", StringComparison.Ordinal)).ToList();
                Assert.Equal(packs, packReads.Count);
                Assert.Equal(packs, packReads.Distinct().Count());
            }
            finally
            {
                Directory.Delete(otherRoot, recursive: true);
            }
        }
        finally
        {
            if (Directory.Exists(media))
            {
                Directory.Delete(media, recursive: true);
            }
        }
    }

    [Fact]
    public async Task ReadOrderFollowsThePacksAndTheirOffsetsAndLeavesLooseObjectsFirst()
    {
        var s3 = Track(new S3TestStore(packObjectsUpToKiB: 64, packSizeMiB: 1));
        var small = Objects(120, 20_000);
        var order = new List<string>();
        foreach (var (hash, content) in small)
        {
            await PutAsync(s3.Store, hash, content);
            order.Add(hash);
        }

        var big = Objects(1, 100_000, seed: 9).Single();
        await PutAsync(s3.Store, big.Key, big.Value);
        await s3.Store.WriteManifestAsync("s1", "{}"u8.ToArray(), [.. small.Keys, big.Key], Token);

        var other = OtherNode(s3);
        await other.RefreshAsync(Token);
        Assert.Equal(-1, other.ReadOrder(big.Key));
        // Three packs of 1 MiB: in read order each pack's objects come together, in the order they were stored.
        Assert.Equal(order.Count, order.Select(other.ReadOrder).Where(key => key >= 0).Distinct().Count());
        var sorted = order.OrderBy(other.ReadOrder).ToList();
        var packOf = sorted.Select(hash => other.ReadOrder(hash) >> 31).ToList();
        Assert.Equal(3, packOf.Distinct().Count());
        Assert.Equal(2, packOf.Zip(packOf.Skip(1)).Count(pair => pair.First != pair.Second));
        foreach (var pack in sorted.GroupBy(hash => other.ReadOrder(hash) >> 31))
        {
            Assert.Equal(order.Where(pack.Contains), pack);
        }
    }

    private static Dictionary<string, byte[]> Objects(int count, int size, int seed = 0)
    {
        var random = new Random(seed);
        var objects = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var content = new byte[size];
            random.NextBytes(content);
            objects[ObjectStoreContractTests.Hash(content)] = content;
        }

        return objects;
    }

    private static Task<long> PutAsync(IObjectStore store, string hash, byte[] content) => ObjectStoreContractTests.PutAsync(store, hash, content);

    /// <summary>A second Portal on the same prefix, with a local folder of its own and nothing in memory.</summary>
    /// <summary>Keeps half of the object, as a kill leaves a single PUT on a server that writes it in place (s3rver).</summary>
    private static async Task CutShortAsync(S3TestStore s3, string key)
    {
        using var response = await s3.Client.GetObjectAsync(TestBucket.Bucket, key, Token);
        using var memory = new MemoryStream();
        await response.ResponseStream.CopyToAsync(memory, Token);
        var half = memory.ToArray()[..(int)(memory.Length / 2)];
        await s3.Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = TestBucket.Bucket, Key = key, InputStream = new MemoryStream(half), UseChunkEncoding = false }, Token);
    }

    /// <summary>Another node on the same bucket; with healthy, its own client, free of the first node's injected failures.</summary>
    private S3ObjectStore OtherNode(S3TestStore s3, bool healthy = false)
    {
        var root = Directory.CreateTempSubdirectory("portal-s3-node-").FullName;
        var client = healthy ? S3ObjectStore.CreateClient(s3.Options, TestBucket.Credentials) : s3.Client;
        var store = new S3ObjectStore(s3.Options, root, client);
        Track(() =>
        {
            store.Dispose();
            if (healthy)
            {
                client.Dispose();
            }

            Directory.Delete(root, recursive: true);
        });
        return store;
    }
}
