namespace Portal.Engine;

/// <summary>
/// Where an S3-compatible snapshot store lives (section Engine:S3, used when Engine:StoreKind is S3). Credentials are never
/// settings: the AWS SDK's default chain finds them (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role).
/// </summary>
public sealed class S3StoreOptions
{
    public const int MinPartSizeMiB = 5;
    public const int MaxPartSizeMiB = 5120;
    public const int MaxParallelism = 64;
    public const int MaxPackObjectsUpToKiB = 16 * 1024;
    public const int MaxPackSizeMiB = 1024;

    /// <summary>An S3-compatible server's URL (MinIO, Ceph, s3rver…); empty means AWS itself, in <see cref="Region"/>.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Bucket { get; set; } = "";

    /// <summary>Keys go under this folder of the bucket (objects/, manifests/), so one bucket can hold several Portals.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>The AWS region (e.g. eu-west-1); empty lets the SDK's own chain decide (AWS_REGION, the profile).</summary>
    public string Region { get; set; } = "";

    /// <summary>bucket in the path (http://host/bucket/key), as most self-hosted S3 servers want, rather than in the host name.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>An object above this size is sent as a multipart upload of parts this size; below it, with one PutObject.</summary>
    public int PartSizeMiB { get; set; } = 16;

    /// <summary>Parts of one object sent at once, lookups made at once, and the workers a mount's capture and restore run (at least one per core).</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>
    /// Objects up to this size (compressed, KiB) are packed together into pack objects of about <see cref="PackSizeMiB"/>, so a
    /// folder of small files costs a few dozen requests instead of one per file; 0 stores every object on its own.
    /// </summary>
    public int PackObjectsUpToKiB { get; set; } = 1024;

    /// <summary>A pack is sent once it holds this much (MiB); a capture sends its last, smaller pack before its manifest.</summary>
    public int PackSizeMiB { get; set; } = 16;

    /// <summary>Memory for packs restores and verifies read whole (they read in pack order, so a few packs at a time); least recently read goes first.</summary>
    public int PackCacheMiB { get; set; } = 256;

    /// <summary>The prefix as keys start with it: no leading slash, one trailing slash, or empty.</summary>
    internal string KeyPrefix => Prefix.Trim('/') is { Length: > 0 } trimmed ? trimmed + "/" : "";
}

/// <summary>Which backend holds the snapshot objects and manifests.</summary>
public enum StoreKind
{
    /// <summary>Engine:StorePath on a local (or mounted) filesystem.</summary>
    FileSystem,

    /// <summary>An S3-compatible bucket (Engine:S3); Engine:StorePath still holds the local temp files and indexes.</summary>
    S3,
}
