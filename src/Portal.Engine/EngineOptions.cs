namespace Portal.Engine;

public sealed class EngineOptions
{
    public const string Section = "Engine";
    public const long MinChunkSizeBytes = 4096;
    public const long MaxChunkSizeBytes = 1L << 30;

    /// <summary>Folder holding objects/, manifests/ and tmp/ (with an S3 store only the local tmp/, restored/ and removals/); the host fills it in when configuration leaves it empty.</summary>
    public string StorePath { get; set; } = "";

    /// <summary>Where objects and manifests go: the filesystem under <see cref="StorePath"/> (the default) or an S3 bucket (<see cref="S3"/>).</summary>
    public StoreKind StoreKind { get; set; } = StoreKind.FileSystem;

    /// <summary>The bucket when <see cref="StoreKind"/> is S3.</summary>
    public S3StoreOptions S3 { get; set; } = new();

    /// <summary>Large files and dumps are split so each piece streams through zstd without being held whole.</summary>
    public long ChunkSizeBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>zstd level: 1, as `zstd -1`, keeps capture I/O-bound on a 2-core node; level 3 saves ~5 % more space at ~1.5x the CPU.</summary>
    public int CompressionLevel { get; set; } = 1;

    /// <summary>How MariaDB/MySQL databases are captured; see <see cref="Engine.MySqlMethod"/>.</summary>
    public MySqlMethod MySqlMethod { get; set; } = MySqlMethod.Auto;

    /// <summary>How Redis is captured; see <see cref="Engine.RedisMethod"/>.</summary>
    public RedisMethod RedisMethod { get; set; } = RedisMethod.Auto;

    /// <summary>Where mariadb-dump, mariadb, pg_dump and pg_restore are looked for first; empty means PATH only.</summary>
    public string ToolDirectory { get; set; } = "";

    /// <summary>How transient failures of the snapshot store are retried.</summary>
    public StoreRetryOptions StoreRetry { get; set; } = new();

    /// <summary>False only in tests, to let a MariaDB capture or commit meet a refusal its checks would have caught (a missing privilege, a full disk).</summary>
    internal bool MySqlPreflight { get; set; } = true;
}

public enum MySqlMethod
{
    /// <summary>
    /// InnoDB table files (FLUSH TABLES … FOR EXPORT, then IMPORT TABLESPACE) for snapshots that are not live, when Portal
    /// can read the server's data directory and its user may lock tables and create databases; the logical format otherwise.
    /// </summary>
    Auto,

    /// <summary>Always rows as text from one consistent-snapshot transaction: works over any network, never blocks writers.</summary>
    Logical,
}

public enum RedisMethod
{
    /// <summary>
    /// A BGSAVE whose RDB file Portal reads as the server's forked child writes it, when Portal reaches the server's `dir`
    /// and may run CONFIG GET and BGSAVE; SCAN and DUMP otherwise, or when the file holds a type RESTORE payloads cannot be cut from.
    /// </summary>
    Auto,

    /// <summary>Always SCAN, DUMP and PTTL over the connection: works over any network, keys read one page at a time.</summary>
    Scan,
}
