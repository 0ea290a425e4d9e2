namespace Portal.Engine.Tests.Store.S3;

using System.Security.Cryptography;
using PutObjectRequest = Amazon.S3.Model.PutObjectRequest;
using Portal.Contracts;
using Portal.Engine.Store;

/// <summary>What a capture asks S3, request by request, to learn which objects are stored (<see cref="ObjectLookups"/>).</summary>
public sealed class S3ObjectLookupsTests : IDisposable
{
    private readonly FailingHttpClientFactory _counting = new(_ => false, failures: 0);
    private readonly S3TestStore _s3;

    public S3ObjectLookupsTests()
    {
        _s3 = new S3TestStore(_counting);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _s3.Dispose();

    [Fact]
    public void NewObjectsCostOnePutEachAndAListingPerFolderAndStoredOnesAreNeitherSentNorCountedAsNew()
    {
        // 40 small files, a large one (streamed to a temp object before its hash is known) and a small one twice.
        var contents = Enumerable.Range(0, 40).Select(_ => RandomNumberGenerator.GetBytes(10_000)).Append(RandomNumberGenerator.GetBytes(300_000)).ToList();
        var folders = contents.Select(c => ObjectStoreContractTests.Hash(c)[..2]).Distinct().Count();

        var first = Capture([.. contents, contents[0]]);

        // Random bytes do not shrink: each is stored raw, in a zstd frame a few bytes longer than the content.
        Assert.Equal(41, first.Counters.ObjectsWritten);
        Assert.InRange(first.Counters.BytesStored, contents.Sum(c => (long)c.Length), contents.Sum(c => c.Length + 1024L));
        Assert.Equal((41, 0, folders), (Count(first.Sent, "PUT"), Count(first.Sent, "HEAD"), Count(first.Sent, "GET")));

        var second = Capture(contents);

        Assert.Equal((0, 0L), (second.Counters.ObjectsWritten, second.Counters.BytesStored));
        Assert.Equal((0, 0, folders), (Count(second.Sent, "PUT"), Count(second.Sent, "HEAD"), Count(second.Sent, "GET")));
    }

    [Fact]
    public async Task OnAStoreWhoseFolderOverflowsAPageNoOtherFolderIsListedAndLookupsBeyondThePageAskS3()
    {
        // 1,001 names in folder ab (even numbers): its first page (1,000) comes back truncated, as on a store of ~256,000 objects.
        var names = Enumerable.Range(0, 1001).Select(i => Name(2 * i)).ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Token }, async (name, token) =>
            await _s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = _s3.Options.Bucket, Key = _s3.Store.ObjectKey("ab" + name), ContentBody = "x", UseChunkEncoding = false }, token));
        var lookups = new ObjectLookups(_s3.Store);
        var before = _counting.Sent.Count;

        Assert.True(await lookups.ExistsAsync("ab" + names[5], Token));
        Assert.True(await lookups.ExistsAsync("ab" + names[999], Token));
        Assert.False(await lookups.ExistsAsync("ab" + Name(11), Token));
        Assert.True(await lookups.ExistsAsync("ab" + names[1000], Token));
        Assert.False(await lookups.ExistsAsync("ab" + new string('f', 62), Token));
        Assert.False(await lookups.ExistsAsync("cd" + names[0], Token));
        Assert.True(await lookups.ExistsAsync("ab" + names[1000], Token));

        var sent = _counting.Sent.Skip(before).ToList();
        // One page of ab, which answers within it; then a HEAD each beyond that page (the second look at names[1000] is
        // remembered) and in cd, which is not listed.
        Assert.Equal((1, 3, 4), (Count(sent, "GET"), Count(sent, "HEAD"), sent.Count));
    }

    [Fact]
    public async Task ASecondCaptureDoesNotTrustTheFirstOnesAnswersAfterItsObjectsWereCollected()
    {
        var media = Directory.CreateTempSubdirectory("portal-s3-lookups-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(media, "a.bin"), RandomNumberGenerator.GetBytes(20_000));
            Tree.SetOldMTime(media);
            var before = Tree.Describe(media);
            var spec = new ServiceSpec("media", ServiceKind.Mount, media);
            using var engine = TestEngines.Create(Options(), _s3.Store);

            await engine.CaptureAsync(new CaptureRequest("s1", "env-1", [spec]), Workspace.NoProgress, Token);
            await engine.DeleteAsync("s1", Token);
            Assert.Empty(await _s3.Store.ListAsync(Token));
            await engine.CaptureAsync(new CaptureRequest("s2", "env-2", [spec]), Workspace.NoProgress, Token);

            Assert.Single(await _s3.Store.ListAsync(Token));
            File.Delete(Path.Combine(media, "a.bin"));
            await engine.RestoreAsync(new RestoreRequest("s2", [spec], EnvironmentKey: "env-2"), Workspace.NoProgress, Token);
            await engine.WhenOldTreesRemovedAsync();
            Assert.Equal(before, Tree.Describe(media));
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }
    }

    private static string Name(int number) => number.ToString("x62", System.Globalization.CultureInfo.InvariantCulture);

    private static int Count(IEnumerable<string> sent, string method) => sent.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal));

    private EngineOptions Options() => new() { StorePath = _s3.LocalRoot, ChunkSizeBytes = 32L * 1024 * 1024, StoreKind = StoreKind.S3, S3 = _s3.Options };

    /// <summary>Each content through its own sink, as a capture's files are, in one engine context; what it counted and sent.</summary>
    private (EngineCounters Counters, List<string> Sent) Capture(IEnumerable<byte[]> contents)
    {
        var before = _counting.Sent.Count;
        var context = new EngineContext(_s3.Store, Options(), new EngineCounters(), new ProgressTracker(Workspace.NoProgress), Token);
        foreach (var content in contents)
        {
            using var sink = context.NewSink();
            sink.Write(content);
            sink.Complete();
        }

        return (context.Counters, _counting.Sent.Skip(before).ToList());
    }
}
