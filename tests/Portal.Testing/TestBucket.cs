namespace Portal.Testing;

using Amazon.Runtime;
using Amazon.S3;

/// <summary>A prefix of its own in the test S3 server's bucket, seen through a plain client; disposing deletes what is under it.</summary>
public sealed class TestBucket : IDisposable
{
    public TestBucket(string prefix)
    {
        ServiceUrl = TestServers.Require(TestServers.S3);
        Prefix = TestServers.UniqueName(prefix) + "/";
        // Checksums only where required and a plain body: s3rver stores aws-chunked bodies as the object (TOOLCHAIN.md).
        Client = new AmazonS3Client(Credentials, new AmazonS3Config
        {
            ServiceURL = ServiceUrl,
            AuthenticationRegion = "us-east-1",
            ForcePathStyle = true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public static BasicAWSCredentials Credentials { get; } = new(TestServers.S3AccessKey, TestServers.S3SecretKey);

    public static string Bucket => TestServers.S3Bucket;

    public string ServiceUrl { get; }

    /// <summary>Ends with a slash, as the store's key prefix does.</summary>
    public string Prefix { get; }

    public AmazonS3Client Client { get; }

    /// <summary>Every key under the prefix, as the bucket lists it.</summary>
    public async Task<List<string>> KeysAsync(CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        string? next = null;
        do
        {
            var page = await Client.ListObjectsV2Async(new() { BucketName = Bucket, Prefix = Prefix, ContinuationToken = next }, cancellationToken);
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
                Client.DeleteObjectAsync(Bucket, key).GetAwaiter().GetResult();
            }
        }
        finally
        {
            Client.Dispose();
        }
    }
}
