namespace Portal.Bench;

using System.Globalization;
using System.Text;
using MySqlConnector;
using StackExchange.Redis;

/// <summary>
/// The benchmark's environment, generated from a seed: a shop-like folder tree (media, 70 % of its bytes incompressible,
/// plus many small var/ files), a sysbench-shaped MariaDB database and Redis sessions with TTLs.
/// </summary>
internal sealed class EngineDataSet(DataShape shape)
{

    // Generated files get a fixed, old mtime: reruns are identical, and no file sits inside the engine's racy-mtime window.
    private static readonly DateTime FileTime = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Words =
    [
        "order", "customer", "product", "price", "cache", "session", "index", "catalog", "media", "image", "static", "view",
        "block", "layout", "config", "store", "quote", "cart", "checkout", "payment", "shipping", "invoice", "credit", "memo",
        "category", "attribute", "option", "value", "label", "template", "module", "report", "sales", "tax", "rule", "stock",
    ];

    public int MediaFiles => shape.MediaFiles;

    public int VarFiles => shape.VarFiles;

    public int Tables => shape.Tables;

    public int RowsPerTable => shape.RowsPerTable;

    public int RedisKeys => shape.RedisKeys;

    /// <summary>Writes the folder tree; returns (files, bytes).</summary>
    public (int Files, long Bytes) WriteFiles(string root)
    {
        long bytes = 0;
        var files = 0;
        var random = new Random(shape.Seed);
        // Media: 50-550 KB each (~300 KB mean, ~1.5 GB at scale 1); 70 % of the files are random bytes like JPEG/MP4.
        for (var i = 0; i < MediaFiles; i++)
        {
            var size = random.Next(50_000, 550_000);
            var path = Path.Combine(root, "pub", "media", "catalog", (i % 100).ToString("D2", CultureInfo.InvariantCulture), $"img-{i:D6}.bin");
            var content = random.NextDouble() < 0.7 ? Random(random, size) : Text(random, size);
            Write(path, content);
            bytes += size;
            files++;
        }

        // var/: ~20 KB text files (cache, logs, sessions of the application), ~200 MB at scale 1.
        for (var i = 0; i < VarFiles; i++)
        {
            var size = random.Next(1_000, 39_000);
            var path = Path.Combine(root, "var", i % 3 == 0 ? "log" : "cache", (i % 256).ToString("x2", CultureInfo.InvariantCulture), $"entry-{i:D6}.txt");
            Write(path, Text(random, size));
            bytes += size;
            files++;
        }

        return (files, bytes);
    }

    /// <summary>Rewrites a seeded 1 % of the files (new content, current mtime), as a day of uploads and cache churn would.</summary>
    public long ChangeOnePercent(string root, int round)
    {
        var all = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var random = new Random(shape.Seed + 1_000 + round);
        long bytes = 0;
        foreach (var path in all.OrderBy(_ => random.Next()).Take(Math.Max(1, all.Count / 100)).ToList())
        {
            var size = (int)new FileInfo(path).Length;
            File.WriteAllBytes(path, path.EndsWith(".bin", StringComparison.Ordinal) ? Random(random, size) : Text(random, size));
            bytes += size;
        }

        return bytes;
    }

    /// <summary>Same relative paths and sizes: a restore that dropped or truncated files fails the benchmark.</summary>
    public static void CheckSameTree(string expected, string actual)
    {
        static List<string> List(string root) => [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f) + ":" + new FileInfo(f).Length).Order(StringComparer.Ordinal)];
        if (!List(expected).SequenceEqual(List(actual)))
        {
            throw new InvalidOperationException($"The restored tree {actual} differs from {expected}.");
        }
    }

    /// <summary>Relative paths, sizes and the SHA-256 of every file's bytes, in one hash: equal only for trees holding the same bytes.</summary>
    public static string Fingerprint(string root)
    {
        using var tree = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var file = File.OpenRead(path);
            var content = System.Security.Cryptography.SHA256.HashData(file);
            tree.AppendData(Encoding.UTF8.GetBytes($"{Path.GetRelativePath(root, path)}:{file.Length}:{Convert.ToHexString(content)}\n"));
        }

        return Convert.ToHexString(tree.GetHashAndReset());
    }

    /// <summary>sbtest1..8 as sysbench's oltp tables: rows loaded from generated TSV over LOAD DATA LOCAL, index on k added after.</summary>
    public async Task CreateDatabaseAsync(string connectionString, string database, CancellationToken cancellationToken)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { Database = "", AllowLoadLocalInfile = true, Pooling = false };
        await using (var connection = new MySqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS `{database}`; CREATE DATABASE `{database}` CHARACTER SET utf8mb4", cancellationToken);
        }

        builder.Database = database;
        await Parallel.ForEachAsync(Enumerable.Range(1, Tables), new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (table, token) =>
        {
            await using var connection = new MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync(token);
            var name = $"sbtest{table}";
            await ExecuteAsync(connection, $"CREATE TABLE `{name}` (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id)) ENGINE=InnoDB", token);
            using var tsv = SysbenchRows(new Random(shape.Seed + table), RowsPerTable);
            var loader = new MySqlBulkLoader(connection)
            {
                TableName = name,
                Local = true,
                SourceStream = tsv,
                FieldTerminator = "\t",
                LineTerminator = "\n",
            };
            await loader.LoadAsync(token);
            await ExecuteAsync(connection, $"ALTER TABLE `{name}` ADD INDEX k_{table} (k)", token);
        });
    }

    public async Task DropDatabaseAsync(string connectionString, string database)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { Database = "", Pooling = false };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS `{database}`", CancellationToken.None);
    }

    /// <summary>Row count and a content checksum of every table, to prove a restore brought back the same rows.</summary>
    public async Task<string> DatabaseFingerprintAsync(string connectionString, string database, CancellationToken cancellationToken)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { Database = database, Pooling = false };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var parts = new List<string>();
        for (var table = 1; table <= Tables; table++)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', id, k, c, pad))), 0) FROM sbtest{table}";
            command.CommandTimeout = 600;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            parts.Add($"{reader.GetValue(0)}:{reader.GetValue(1)}");
        }

        return string.Join(',', parts);
    }

    /// <summary>Session keys with 300-2,000-byte values and TTLs of 1-24 h, written with a pipelined batch.</summary>
    public async Task FillRedisAsync(IDatabase db, CancellationToken cancellationToken)
    {
        var random = new Random(shape.Seed + 99);
        for (var start = 0; start < RedisKeys; start += 5_000)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = db.CreateBatch();
            var pending = new List<Task>();
            for (var i = start; i < Math.Min(RedisKeys, start + 5_000); i++)
            {
                var value = Text(random, random.Next(300, 2_000));
                pending.Add(batch.StringSetAsync($"sess_{i:D8}", value, TimeSpan.FromSeconds(random.Next(3_600, 86_400))));
            }

            batch.Execute();
            await Task.WhenAll(pending);
        }
    }

    private static MemoryStream SysbenchRows(Random random, int rows)
    {
        var stream = new MemoryStream(rows * 200);
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
        {
            var digits = new char[120];
            for (var id = 1; id <= rows; id++)
            {
                writer.Write(id);
                writer.Write('\t');
                writer.Write(random.Next(1, rows + 1));
                writer.Write('\t');
                writer.Write(Groups(random, digits, 10));
                writer.Write('\t');
                writer.Write(Groups(random, digits, 5));
                writer.Write('\n');
            }
        }

        stream.Position = 0;
        return stream;
    }

    /// <summary>sysbench's c/pad format: groups of 11 random digits joined by '-'.</summary>
    private static ReadOnlySpan<char> Groups(Random random, char[] buffer, int groups)
    {
        var n = 0;
        for (var g = 0; g < groups; g++)
        {
            if (g > 0)
            {
                buffer[n++] = '-';
            }

            for (var d = 0; d < 11; d++)
            {
                buffer[n++] = (char)('0' + random.Next(10));
            }
        }

        return buffer.AsSpan(0, n);
    }

    private static byte[] Random(Random random, int size)
    {
        var bytes = new byte[size];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Text(Random random, int size)
    {
        var text = new StringBuilder(size + 16);
        while (text.Length < size)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(random.Next(10) == 0 ? '\n' : ' ');
            if (random.Next(8) == 0)
            {
                text.Append(random.Next(100_000)).Append(' ');
            }
        }

        return Encoding.ASCII.GetBytes(text.ToString(0, size));
    }

    private static void Write(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        File.SetLastWriteTimeUtc(path, FileTime);
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>How much of each kind a data set holds, and the seed that makes it; the engine and product modes use different seeds.</summary>
internal sealed record DataShape(int Seed, int MediaFiles, int VarFiles, int Tables, int RowsPerTable, int RedisKeys)
{
    /// <summary>The engine mode's environment: ~1.8 GB in ~15,000 files, 8 x 1,000,000 rows, 200,000 keys at scale 1.</summary>
    public static DataShape Engine(EngineBenchOptions options) => new(
        options.Seed, Scaled(5_000, options.Scale, 10), Scaled(10_000, options.Scale, 10), 8, Scaled(1_000_000, options.Scale, 1_000), Scaled(200_000, options.Scale, 1_000));

    /// <summary>The shop: ~1 GB in 12,500 files, 4 x 500,000 rows, 100,000 keys at scale 1.</summary>
    public static DataShape Product(ProductBenchOptions options) => new(
        options.Seed, Scaled(3_000, options.Scale, 10), Scaled(9_500, options.Scale, 10), 4, Scaled(500_000, options.Scale, 1_000), Scaled(100_000, options.Scale, 1_000));

    /// <summary>The stores mode's mount alone: ~400 MB in 3,200 files at scale 1, no database.</summary>
    public static DataShape Stores(StoresBenchOptions options) => new(options.Seed, Scaled(1_200, options.Scale, 10), Scaled(2_000, options.Scale, 10), 0, 0, 0);

    private static int Scaled(int full, double scale, int least) => Math.Max(least, (int)(full * scale));
}
