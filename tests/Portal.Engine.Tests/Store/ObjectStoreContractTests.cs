namespace Portal.Engine.Tests.Store;

using System.Security.Cryptography;
using Portal.Engine.Store;

/// <summary>What every <see cref="IObjectStore"/> must do, run against each backend by a subclass.</summary>
public abstract class ObjectStoreContractTests : IDisposable
{
    private IObjectStore? _store;

    internal IObjectStore Store => _store ??= CreateStore();

    private protected static CancellationToken Token => TestContext.Current.CancellationToken;

    public abstract void Dispose();

    [Fact]
    public async Task ACommittedObjectReadsBackByteForByteAndIsStoredOnce()
    {
        var content = RandomNumberGenerator.GetBytes(300 * 1024);
        var hash = Hash(content);

        Assert.False(await Store.ExistsAsync(hash, Token));
        Assert.Equal(content.Length, await PutAsync(Store, hash, content));
        Assert.True(await Store.ExistsAsync(hash, Token));
        Assert.Equal(content, await ReadAsync(Store, hash));
        Assert.Equal(0, await PutAsync(Store, hash, content));
        Assert.Equal([hash], await Store.ListAsync(Token));
    }

    [Fact]
    public async Task ABigObjectReadsBackByteForByte()
    {
        // Above the S3 store's 5 MiB parts: a multipart upload of three parts, the last one short.
        var content = RandomNumberGenerator.GetBytes((12 * 1024 * 1024) + 12345);
        var hash = Hash(content);

        Assert.Equal(content.Length, await PutAsync(Store, hash, content));

        Assert.Equal(content, await ReadAsync(Store, hash));
        Assert.Equal(content.Length, await Store.TotalBytesAsync(Token));
    }

    [Fact]
    public async Task WhichExistListAndDeleteSeeExactlyTheStoredObjects()
    {
        // Nine in one folder (listed), one alone (looked up), three never stored.
        var stored = Enumerable.Range(0, 9).Select(i => "ab" + Hash([(byte)i])[2..]).Append("cd" + Hash([42])[2..]).ToList();
        foreach (var hash in stored)
        {
            await PutAsync(Store, hash, [1, 2, 3]);
        }

        var missing = new[] { "ab" + Hash([100])[2..], "cd" + Hash([101])[2..], "ef" + Hash([102])[2..] };

        Assert.Equal(stored.ToHashSet(), (await Store.WhichExistAsync([.. stored, .. missing, "not-a-hash"], Token)).ToHashSet());
        Assert.Equal(stored.Order(), (await Store.ListAsync(Token)).Order());

        await Store.DeleteAsync(stored[0], Token);
        Assert.False(await Store.ExistsAsync(stored[0], Token));
        Assert.DoesNotContain(stored[0], await Store.ListAsync(Token));
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await Store.OpenReadAsync(stored[0], Token));
    }

    [Fact]
    public async Task ManifestsAreWrittenReadListedAndDeleted()
    {
        var content = "{\"version\":1,\"snapshotId\":\"s1\"}"u8.ToArray();

        Assert.Null(await Store.ReadManifestAsync("s1", Token));
        Assert.Null(await Store.ReadManifestStartAsync("s1", 10, Token));
        Assert.False(await Store.HasManifestAsync("s1", Token));

        await Store.WriteManifestAsync("s1", content, [], Token);
        await Store.WriteManifestAsync("s2", [(byte)'{'], [], Token);

        Assert.True(await Store.HasManifestAsync("s1", Token));
        Assert.Equal(content, await Store.ReadManifestAsync("s1", Token));
        Assert.Equal(content[..10], await Store.ReadManifestStartAsync("s1", 10, Token));
        Assert.Equal(content, await Store.ReadManifestStartAsync("s1", 4096, Token));
        Assert.Equal(1, (await Store.ReadManifestStartAsync("s2", 10, Token))?.Length);
        Assert.Equal(["s1", "s2"], (await Store.ListManifestsAsync(Token)).Order());
        Assert.Empty(await Store.ListAsync(Token));

        await Store.DeleteManifestAsync("s1", Token);
        Assert.False(await Store.HasManifestAsync("s1", Token));
        Assert.Equal(["s2"], await Store.ListManifestsAsync(Token));
    }

    [Fact]
    public async Task PinsAreKeptReplacedAndRemovedApartFromTheManifests()
    {
        Assert.Empty(await Store.ReadPinsAsync(Token));

        await Store.SetPinAsync("s1", "{\"reason\":\"audit\"}"u8.ToArray(), Token);
        await Store.SetPinAsync("s2", "{\"reason\":\"old\"}"u8.ToArray(), Token);
        await Store.SetPinAsync("s2", "{\"reason\":\"new\"}"u8.ToArray(), Token);

        var pins = await Store.ReadPinsAsync(Token);
        Assert.Equal(["s1", "s2"], pins.Keys.Order());
        Assert.Equal("{\"reason\":\"new\"}"u8.ToArray(), pins["s2"]);
        Assert.Empty(await Store.ListManifestsAsync(Token));

        await Store.SetPinAsync("s1", null, Token);
        await Store.SetPinAsync("never-pinned", null, Token);
        Assert.Equal(["s2"], (await Store.ReadPinsAsync(Token)).Keys);
    }

    [Fact]
    public async Task AnObjectNeverCommittedLeavesNothing()
    {
        using (var pending = await Store.BeginPutAsync(Token))
        {
            pending.Content.Write(RandomNumberGenerator.GetBytes(1000));
        }

        Assert.Empty(await Store.ListAsync(Token));
        await Store.ClearTempAsync(Token);
        Assert.Equal(0, await Store.TotalBytesAsync(Token));
    }

    internal abstract IObjectStore CreateStore();

    internal static string Hash(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    internal static async Task<long> PutAsync(IObjectStore store, string hash, byte[] content)
    {
        using var pending = await store.BeginPutAsync(Token);
        pending.Content.Write(content);
        return await store.CommitAsync(pending, hash, knownMissing: false, Token);
    }

    internal static async Task<byte[]> ReadAsync(IObjectStore store, string hash)
    {
        await using var stream = await store.OpenReadAsync(hash, Token);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, Token);
        return memory.ToArray();
    }
}

public sealed class FileSystemObjectStoreContractTests : ObjectStoreContractTests
{
    private readonly string _root = Directory.CreateTempSubdirectory("portal-fs-store-").FullName;

    public override void Dispose() => Directory.Delete(_root, recursive: true);

    internal override IObjectStore CreateStore() => new FileSystemObjectStore(_root);

    [Fact]
    public async Task AManifestNamingManyNewObjectsIsWrittenOnceEachOfThemIsSynced()
    {
        var hashes = await PutManyAsync(100);

        await Store.WriteManifestAsync("s1", "{}"u8.ToArray(), hashes, Token);

        Assert.True(await Store.HasManifestAsync("s1", Token));
    }

    [Fact]
    public async Task AManifestIsRefusedWhenAnObjectItMustSyncIsGoneAndNothingIsWritten()
    {
        var hashes = await PutManyAsync(40);

        await Store.DeleteAsync(hashes[17], Token);

        var refused = await Assert.ThrowsAnyAsync<IOException>(async () => await Store.WriteManifestAsync("s1", "{}"u8.ToArray(), hashes, Token));
        Assert.Contains(hashes[17][2..], refused.Message, StringComparison.Ordinal);
        Assert.False(await Store.HasManifestAsync("s1", Token));
    }

    private async Task<List<string>> PutManyAsync(int count)
    {
        var hashes = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var content = System.Text.Encoding.UTF8.GetBytes($"object {i}");
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
            await PutAsync(Store, hash, content);
            hashes.Add(hash);
        }

        return hashes;
    }
}
