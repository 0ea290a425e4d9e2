namespace Portal.Engine.Tests.Store.S3;

using System.Security.Cryptography;
using Portal.Engine.Manifests;
using Portal.Engine.Store;
using ZstdNet;

/// <summary>
/// A connection lost while an object is read is a failure to read, not damage: a verify must not declare a good snapshot
/// unrestorable because the network dropped, and a restore must not say the snapshot is corrupt.
/// </summary>
public sealed class S3ReadFailureTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(64 * 1024)]
    [InlineData(6 * 1024 * 1024)]
    public async Task AConnectionLostMidObjectIsAReadFailureAndTheObjectStillVerifiesAfter(int size)
    {
        var cutting = new CutOffHttpClientFactory(cutAfter: size / 2);
        using var s3 = new S3TestStore(cutting);
        var content = RandomNumberGenerator.GetBytes(size);
        var hash = ObjectStoreContractTests.Hash(content);
        using (var compressor = new Compressor())
        {
            // Stored as the engine stores it: a zstd frame named by the hash of what it holds.
            await ObjectStoreContractTests.PutAsync(s3.Store, hash, compressor.Wrap(content));
        }

        var chunk = new ChunkRef(hash, size);

        cutting.Armed = true;
        var lost = Assert.ThrowsAny<IOException>(() => ChunkReader.Verify(s3.Store, chunk, "media/video.mp4", null, Token));
        Assert.IsNotType<SnapshotCorruptException>(lost, exactMatch: false);
        Assert.Contains("Connection reset by peer", lost.ToString(), StringComparison.Ordinal);

        cutting.Armed = false;
        Assert.Equal(size, ChunkReader.Verify(s3.Store, chunk, "media/video.mp4", null, Token));
    }
}
