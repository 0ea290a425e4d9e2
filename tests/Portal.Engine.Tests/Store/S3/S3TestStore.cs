namespace Portal.Engine.Tests.Store.S3;

using Amazon.Runtime;
using Amazon.S3;
using Portal.Engine.Store.S3;

/// <summary>An S3 store on the test server under a prefix of its own, with a local temp folder; disposing deletes both.</summary>
internal sealed class S3TestStore : IDisposable
{
    public S3TestStore(HttpClientFactory? httpClientFactory = null, int partSizeMiB = S3StoreOptions.MinPartSizeMiB)
    {
        Options = new S3StoreOptions
        {
            ServiceUrl = TestServers.Require(TestServers.S3),
            Bucket = TestServers.S3Bucket,
            Prefix = TestServers.UniqueName("store-") + "/",
            ForcePathStyle = true,
            PartSizeMiB = partSizeMiB,
        };
        LocalRoot = Directory.CreateTempSubdirectory("portal-s3-store-").FullName;
        Client = S3ObjectStore.CreateClient(Options, Credentials, httpClientFactory);
        Store = new S3ObjectStore(Options, LocalRoot, Client);
    }

    public static BasicAWSCredentials Credentials { get; } = new(TestServers.S3AccessKey, TestServers.S3SecretKey);

    public S3StoreOptions Options { get; }

    public string LocalRoot { get; }

    public AmazonS3Client Client { get; }

    public S3ObjectStore Store { get; }

    /// <summary>Every key under the store's prefix, as the bucket lists it.</summary>
    public async Task<List<string>> KeysAsync(CancellationToken cancellationToken) => await KeysAsync(Client, Options.Bucket, Options.KeyPrefix, cancellationToken);

    public static async Task<List<string>> KeysAsync(IAmazonS3 client, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        string? next = null;
        do
        {
            var page = await client.ListObjectsV2Async(new() { BucketName = bucket, Prefix = prefix, ContinuationToken = next }, cancellationToken);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            next = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (next is not null);
        return keys;
    }

    public void Dispose()
    {
        try
        {
            foreach (var key in KeysAsync(CancellationToken.None).GetAwaiter().GetResult())
            {
                Client.DeleteObjectAsync(Options.Bucket, key).GetAwaiter().GetResult();
            }
        }
        finally
        {
            Client.Dispose();
            Directory.Delete(LocalRoot, recursive: true);
        }
    }
}
