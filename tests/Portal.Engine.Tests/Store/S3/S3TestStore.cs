namespace Portal.Engine.Tests.Store.S3;

using Amazon.Runtime;
using Amazon.S3;
using Portal.Engine.Store.S3;

/// <summary>An S3 store on the test server under a prefix of its own, with a local temp folder; disposing deletes both.</summary>
internal sealed class S3TestStore : IDisposable
{
    private readonly TestBucket _bucket = new("store-");

    /// <summary><paramref name="packObjectsUpToKiB"/> is 0 (every object on its own) unless a test is about packs.</summary>
    public S3TestStore(HttpClientFactory? httpClientFactory = null, int partSizeMiB = S3StoreOptions.MinPartSizeMiB, int parallelism = 4, int packObjectsUpToKiB = 0, int packSizeMiB = 1)
    {
        Options = new S3StoreOptions
        {
            ServiceUrl = _bucket.ServiceUrl,
            Bucket = TestBucket.Bucket,
            Prefix = _bucket.Prefix,
            ForcePathStyle = true,
            PartSizeMiB = partSizeMiB,
            Parallelism = parallelism,
            PackObjectsUpToKiB = packObjectsUpToKiB,
            PackSizeMiB = packSizeMiB,
        };
        LocalRoot = Directory.CreateTempSubdirectory("portal-s3-store-").FullName;
        Client = S3ObjectStore.CreateClient(Options, TestBucket.Credentials, httpClientFactory);
        Store = new S3ObjectStore(Options, LocalRoot, Client);
    }

    public S3StoreOptions Options { get; }

    public string LocalRoot { get; }

    public AmazonS3Client Client { get; }

    public S3ObjectStore Store { get; }

    /// <summary>Every key under the store's prefix, as the bucket lists it.</summary>
    public Task<List<string>> KeysAsync(CancellationToken cancellationToken) => _bucket.KeysAsync(cancellationToken);

    public void Dispose()
    {
        try
        {
            _bucket.Dispose();
        }
        finally
        {
            Client.Dispose();
            Directory.Delete(LocalRoot, recursive: true);
        }
    }
}
