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

    /// <summary>Points this Portal's snapshot store at the prefix, credentials in the environment as the AWS SDK's default chain reads them.</summary>
    public PortalProcess Serve(PortalProcess portal)
    {
        portal.Settings["Engine:StoreKind"] = "S3";
        portal.Settings["Engine:S3:ServiceUrl"] = ServiceUrl;
        portal.Settings["Engine:S3:Bucket"] = Bucket;
        portal.Settings["Engine:S3:Prefix"] = Prefix;
        portal.Settings["Engine:S3:ForcePathStyle"] = "true";
        portal.Settings["Engine:S3:PartSizeMiB"] = "5";
        portal.EnvironmentVariables["AWS_ACCESS_KEY_ID"] = TestServers.S3AccessKey;
        portal.EnvironmentVariables["AWS_SECRET_ACCESS_KEY"] = TestServers.S3SecretKey;
        // No instance-metadata probe on a machine that is not in EC2.
        portal.EnvironmentVariables["AWS_EC2_METADATA_DISABLED"] = "true";
        return portal;
    }

    /// <summary>
    /// Every key under the prefix, as the bucket lists it: ListObjects (v1) pages, each after the last key of the one before,
    /// since s3rver answers a truncated ListObjectsV2 page with a 500 on Node 17+ (its continuation tokens use DES).
    /// </summary>
    public async Task<List<string>> KeysAsync(CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        bool more;
        do
        {
            var page = await Client.ListObjectsAsync(new Amazon.S3.Model.ListObjectsRequest { BucketName = Bucket, Prefix = Prefix, Marker = keys.Count > 0 ? keys[^1] : null }, cancellationToken);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            more = page.IsTruncated == true && page.S3Objects is { Count: > 0 };
        }
        while (more);
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
