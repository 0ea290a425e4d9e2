namespace Portal.Engine.Tests.Store;

using System.Diagnostics;
using System.Security.Cryptography;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

public sealed class ObjectSinkTests : IDisposable
{
    private static readonly byte[] ZstdMagic = [0x28, 0xB5, 0x2F, 0xFD];
    private readonly Workspace _ws = new(chunkSize: 1024 * 1024);
    private readonly FileSystemObjectStore _store;

    public ObjectSinkTests()
    {
        _store = new FileSystemObjectStore(_ws.StorePath);
    }

    public void Dispose() => _ws.Dispose();

    public static TheoryData<int> Lengths => [0, 1, 1000, 128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 3 * 1024 * 1024 + 17];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void IncompressibleContentIsStoredInRawZstdBlocksThatZstdItselfDecodes(int length)
    {
        var content = RandomNumberGenerator.GetBytes(length);

        var chunks = Write(content);

        var objects = chunks.Select(c => File.ReadAllBytes(_ws.ObjectFile(c.Hash))).ToList();
        Assert.All(objects, o => Assert.Equal(ZstdMagic, o[..4]));
        // Raw blocks add a 6-byte frame header and 3 bytes per 128 KiB block, nothing else.
        Assert.True(objects.Sum(o => (long)o.Length) <= length + chunks.Count * 6 + (length / (128 * 1024) + chunks.Count) * 3);
        Assert.Equal(content, ReadBack(chunks));
        Assert.Equal(content, chunks.SelectMany(c => ZstdDecompress(_ws.ObjectFile(c.Hash))).ToArray());
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void CompressibleContentIsCompressedAndReadsBackExactly(int length)
    {
        var line = "2026-11-26T10:00:00Z session=abc cart=3 GET /checkout 200\n"u8.ToArray();
        var content = Enumerable.Range(0, length).Select(i => line[i % line.Length]).ToArray();

        var chunks = Write(content);

        var stored = chunks.Sum(c => new FileInfo(_ws.ObjectFile(c.Hash)).Length);
        Assert.True(length < 1000 || stored < length / 4, $"{length} bytes were stored as {stored}");
        Assert.Equal(content, ReadBack(chunks));
        Assert.Equal(content, chunks.SelectMany(c => ZstdDecompress(_ws.ObjectFile(c.Hash))).ToArray());
    }

    [Fact]
    public void ChunksAreNamedByTheSha256OfTheirUncompressedContent()
    {
        var content = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 5);

        var chunks = Write(content);

        Assert.Equal(3, chunks.Count);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content.AsSpan(0, 1024 * 1024))), chunks[0].Hash);
        Assert.Equal(5, chunks[2].Size);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TruncatedObjectIsRefusedAsCorrupt(bool compressible)
    {
        var content = compressible ? System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("cart=3 checkout ", 20_000))) : RandomNumberGenerator.GetBytes(300_000);
        var chunk = Assert.Single(Write(content));
        var path = _ws.ObjectFile(chunk.Hash);
        var stored = File.ReadAllBytes(path);
        File.WriteAllBytes(path, stored[..(stored.Length / 2)]);

        var ex = Assert.Throws<SnapshotCorruptException>(() => ReadBack([chunk]));

        Assert.Equal(chunk.Hash, ex.ObjectHash);
    }

    [Fact]
    public void SmallChunkTheStoreHoldsIsNotWrittenAgain()
    {
        var content = RandomNumberGenerator.GetBytes(100_000);
        var first = Assert.Single(Write(content));
        // With no temp folder left to write in (a file in its place stops root too), only a write that is skipped can succeed.
        var temp = Path.Combine(_ws.StorePath, "tmp");
        Directory.Delete(temp, recursive: true);
        File.WriteAllText(temp, "");

        var again = Assert.Single(Write(content));

        Assert.Equal(first, again);
        Assert.Equal(content, ReadBack([again]));
        Assert.ThrowsAny<IOException>(() => Write(RandomNumberGenerator.GetBytes(100_000)));
    }

    private IReadOnlyList<ChunkRef> Write(byte[] content)
    {
        var context = new EngineContext(_store, _ws.Options, new EngineCounters(), new ProgressTracker(Workspace.NoProgress), Workspace.Token);
        using var sink = context.NewSink();
        // Uneven writes cross the probe and chunk boundaries at odd offsets.
        for (var at = 0; at < content.Length; at += 70_001)
        {
            sink.Write(content, at, Math.Min(70_001, content.Length - at));
        }

        return sink.Complete();
    }

    private byte[] ReadBack(IReadOnlyList<ChunkRef> chunks)
    {
        using var reader = new ChunkReader(_store, chunks, "test", TestContext.Current.CancellationToken);
        using var copy = new MemoryStream();
        reader.CopyTo(copy);
        return copy.ToArray();
    }

    private static byte[] ZstdDecompress(string path)
    {
        using var zstd = Process.Start(new ProcessStartInfo("zstd", ["-dc", "-q", path]) { RedirectStandardOutput = true })!;
        using var output = new MemoryStream();
        zstd.StandardOutput.BaseStream.CopyTo(output);
        zstd.WaitForExit();
        Assert.Equal(0, zstd.ExitCode);
        return output.ToArray();
    }
}
