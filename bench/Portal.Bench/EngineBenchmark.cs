namespace Portal.Bench;

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Portal.Contracts;
using Portal.Engine;
using StackExchange.Redis;

/// <summary>One comparison: Portal's time beside a tool's on the same data, with the issue's target for the ratio.</summary>
internal sealed record EngineRow(string Area, string Operation, double Portal, string Tool, double ToolSeconds, double MaxRatio, string Target, bool? MetOverride = null)
{
    public double Ratio => Portal / ToolSeconds;

    public bool Met => MetOverride ?? Ratio <= MaxRatio;
}

/// <summary>
/// Portal's snapshot engine (through ISnapshotEngine, registered by AddPortalEngine as the app does) against tar/zstd,
/// restic, mariadb-dump/mariadb and Redis DUMP/RESTORE/BGSAVE on one generated environment.
/// </summary>
internal static class EngineBenchmark
{
    private const double SeedMegabytesPerSecond = 17;
    private const int SourceRedisDb = 8;
    private const int TargetRedisDb = 9;
    private const string Database = "portal_bench_engine";
    private const string RestoreDatabase = "portal_bench_engine_restore";
    private const string Begin = "<!-- bench:engine:begin (written by bench/Portal.Bench engine; notes outside these markers are kept) -->";
    private const string End = "<!-- bench:engine:end -->";
    internal const string Heading = "## Snapshot engine against tar/zstd, restic, mariadb-dump and Redis tools";

    public static async Task<int> RunAsync(EngineBenchOptions options, CancellationToken cancellationToken)
    {
        var mariadb = BenchArguments.Server("MARIADB");
        var redisAddress = BenchArguments.Server("REDIS");
        if (mariadb is null || redisAddress is null)
        {
            Console.Error.WriteLine("The engine benchmark needs PORTAL_BENCH_MARIADB/PORTAL_TEST_MARIADB and PORTAL_BENCH_REDIS/PORTAL_TEST_REDIS (e.g. from `./build.sh servers`).");
            return 2;
        }

        if (!await BenchArguments.ToolsAsync(["tar", "zstd", "restic", "mariadb-dump", "mariadb", "sync"], "tar zstd restic mariadb-client coreutils", cancellationToken))
        {
            return 2;
        }

        var work = Path.Combine(options.WorkPath ?? Path.GetTempPath(), "portal-bench-engine-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var data = new EngineDataSet(DataShape.Engine(options));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisAddress + ",allowAdmin=true,syncTimeout=60000,asyncTimeout=60000");
        var bench = new Runner(options, work, mariadb, redisAddress, redis, data, cancellationToken);
        try
        {
            var rows = await bench.RunAsync();
            Console.WriteLine();
            Console.Write(Table(rows, bench));
            var full = options.Scale >= 1 && options.Repeat >= 3;
            if (options.WriteDocs && (full || options.DocsPath is not null))
            {
                var path = options.DocsPath ?? Path.Combine(RepositoryRoot(), "docs", "benchmarks.md");
                Report.WriteDocs(path, Markdown(rows, bench, options), Begin, End, Heading);
                Console.WriteLine($"Updated {path}");
            }
            else if (options.WriteDocs)
            {
                Console.WriteLine("docs/benchmarks.md not updated: not the full run (--scale 1 --repeat 3); pass --docs PATH to write anyway.");
            }

            return 0;
        }
        finally
        {
            await data.DropDatabaseAsync(mariadb, Database);
            await data.DropDatabaseAsync(mariadb, RestoreDatabase);
            var server = redis.GetServers().Single();
            await server.FlushDatabaseAsync(SourceRedisDb);
            await server.FlushDatabaseAsync(TargetRedisDb);
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Table(IReadOnlyList<EngineRow> rows, Runner bench)
    {
        var text = new StringBuilder();
        text.AppendLine(bench.Describe());
        text.AppendLine(CultureInfo.InvariantCulture, $"{"area",-12} {"operation",-28} {"Portal s",9} {"tool",-34} {"tool s",8} {"ratio",6}  target");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.Area,-12} {r.Operation,-28} {r.Portal,9:F2} {r.Tool,-34} {r.ToolSeconds,8:F2} {r.Ratio,6:F2}  {r.Target}: {Verdict(r, "NOT met")}");
        }

        return text.ToString();
    }

    private static string Markdown(IReadOnlyList<EngineRow> rows, Runner bench, EngineBenchOptions options)
    {
        var md = new StringBuilder();
        void Line(string line = "") => md.Append(line).Append('\n');
        Line(Report.Measured() + $"; --scale {options.Scale} --repeat {options.Repeat} "
            + $"(each figure the median of {options.Repeat} run{(options.Repeat == 1 ? "" : "s")}).");
        Line();
        Line("```bash");
        Line("eval \"$(./build.sh servers)\"");
        Line($"dotnet run -c Release --project bench/Portal.Bench -- engine --scale {options.Scale} --repeat {options.Repeat}");
        Line("```");
        Line();
        Line(bench.Describe());
        Line();
        Line("| area | operation | Portal | tool | tool time | Portal / tool | target | met |");
        Line("|---|---|---:|---|---:|---:|---|---|");
        foreach (var r in rows)
        {
            // Tool names are shell pipelines; an unescaped '|' would split the cell.
            Line($"| {r.Area} | {r.Operation} | {r.Portal:F2} s | {r.Tool.Replace("|", "\\|", StringComparison.Ordinal)} | {r.ToolSeconds:F2} s | {r.Ratio:F2} | {r.Target} | {Verdict(r, "**not met**")} |");
        }

        Line();
        foreach (var note in bench.Notes)
        {
            Line("- " + note);
        }

        return md.ToString();
    }

    private static string Verdict(EngineRow row, string notMet) => row.Target.StartsWith('(') ? "-" : row.Met ? "met" : notMet;

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Portal.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the repository, or pass --docs PATH.");
    }

    private sealed class Runner(EngineBenchOptions options, string work, string mariadb, string redisAddress, ConnectionMultiplexer redis, EngineDataSet data, CancellationToken cancellationToken)
    {
        private readonly List<EngineRow> _rows = [];
        private readonly MySqlConnectionStringBuilder _db = new(mariadb);
        private int _stores;
        private int _files;
        private long _fileBytes;
        private long _dumpBytes;
        private long _redisBytes;
        private bool _settled = true;

        public List<string> Notes { get; } = [];

        private string Files => Path.Combine(work, "env", "files");

        private Dictionary<string, string> MySqlPassword => new() { ["MYSQL_PWD"] = _db.Password ?? "" };

        private string MySqlArguments => $"--no-defaults --protocol=TCP --host={_db.Server} --port={_db.Port} --user={Shell.Q(_db.UserID)}";

        private string RedisSource => $"{redisAddress},defaultDatabase={SourceRedisDb}";

        private string RedisTarget => $"{redisAddress},defaultDatabase={TargetRedisDb}";

        private Dictionary<string, string> Restic => new()
        {
            ["RESTIC_PASSWORD"] = "portal-bench",
            ["RESTIC_CACHE_DIR"] = Path.Combine(work, "restic-cache"),
        };

        public string Describe() =>
            $"Environment: {_files:N0} files, {_fileBytes / 1e6:N0} MB ({data.MediaFiles:N0} media files, 70 % of them random bytes; {data.VarFiles:N0} small var/ text files); "
            + $"MariaDB {data.Tables} x {data.RowsPerTable:N0} sysbench rows ({_dumpBytes / 1e6:N0} MB of table files); Redis {data.RedisKeys:N0} session keys with TTLs ({_redisBytes / 1e6:N1} MB of DUMP records).";

        public async Task<List<EngineRow>> RunAsync()
        {
            var clock = Stopwatch.StartNew();
            Console.WriteLine($"Generating the environment in {work} (scale {options.Scale}) ...");
            // A partial run (--only) generates only what its areas read.
            if (options.Runs("files") || options.Runs("environment"))
            {
                (_files, _fileBytes) = data.WriteFiles(Files);
                Console.WriteLine($"  files: {_files:N0}, {_fileBytes / 1e6:N0} MB ({clock.Elapsed.TotalSeconds:F0} s)");
            }

            if (options.Runs("mariadb") || options.Runs("environment"))
            {
                await data.CreateDatabaseAsync(mariadb, Database, cancellationToken);
                Console.WriteLine($"  MariaDB: {data.Tables} x {data.RowsPerTable:N0} rows ({clock.Elapsed.TotalSeconds:F0} s)");
            }

            if (options.Runs("redis") || options.Runs("environment"))
            {
                await redis.GetServers().Single().FlushDatabaseAsync(SourceRedisDb);
                await data.FillRedisAsync(redis.GetDatabase(SourceRedisDb), cancellationToken);
                Console.WriteLine($"  Redis: {data.RedisKeys:N0} keys ({clock.Elapsed.TotalSeconds:F0} s)");
            }

            if (options.Runs("files"))
            {
                await FilesAsync();
            }

            if (options.Runs("mariadb"))
            {
                await MariaDbAsync();
            }

            if (options.Runs("redis"))
            {
                await RedisAsync();
            }

            if (options.Runs("environment"))
            {
                await WholeEnvironmentAsync();
            }
            return _rows;
        }

        private async Task FilesAsync()
        {
            Console.WriteLine("Files ...");
            var archive = Path.Combine(work, "files.tar.zst");
            var store = "";
            var (tar, full) = await AlternateAsync(
                async _ =>
                {
                    File.Delete(archive);
                    await SettleAsync(Files);
                    return await TimeAsync(() => Shell.RunAsync($"tar -C {Shell.Q(Files)} -cf - . | zstd -1 -T0 -q -o {Shell.Q(archive)} && sync -f {Shell.Q(archive)}", null, cancellationToken));
                },
                async _ =>
                {
                    store = NewStore();
                    await SettleAsync(Files);
                    return await TimeAsync(() => CaptureAsync(store, "full", [new ServiceSpec("files", ServiceKind.Mount, Files)]));
                });
            _rows.Add(new EngineRow("files", "full snapshot", full, "tar -c | zstd -1 -T0", tar, 1.1, "<= 1.1x"));
            Notes.Add($"Files: tar.zst {new FileInfo(archive).Length / 1e6:N0} MB, Portal store {DirectorySize(store) / 1e6:N0} MB (zstd level {new EngineOptions().CompressionLevel}, SHA-256 per 32 MiB chunk and per file).");

            var (untar, restore) = await AlternateAsync(
                async r =>
                {
                    var target = Path.Combine(work, $"untar-{r}");
                    Directory.CreateDirectory(target);
                    await SettleAsync(archive);
                    return await TimeAsync(() => Shell.RunAsync($"zstd -dc -q {Shell.Q(archive)} | tar -C {Shell.Q(target)} -xf - && sync -f {Shell.Q(target)}", null, cancellationToken));
                },
                async r =>
                {
                    var target = Path.Combine(work, $"restore-{r}");
                    await SettleAsync(store);
                    var seconds = await TimeAsync(() => RestoreAsync(store, "full", [new ServiceSpec("files", ServiceKind.Mount, target)]));
                    if (r == 0)
                    {
                        EngineDataSet.CheckSameTree(Files, target);
                    }

                    return seconds;
                });
            _rows.Add(new EngineRow("files", "restore", restore, "zstd -d | tar -x", untar, 1.1, "<= 1.1x"));
            Notes.Add(_settled
                ? "Each files snapshot and restore, the tool's and Portal's alike, starts with the page cache emptied (`echo 3 > /proc/sys/vm/drop_caches`) and its input read back in: warm, with the same free memory every time."
                : "The page cache could not be emptied (not root): later files runs meet the memory earlier ones filled, and the kernel's reclaim weighs on them.");
            File.Delete(archive);

            var repository = "";
            var resticFull = await MedianAsync(async r =>
            {
                repository = Path.Combine(work, $"restic-{r}");
                await Shell.RunAsync($"restic init --quiet --repo {Shell.Q(repository)}", Restic, cancellationToken);
                return await TimeAsync(() => Shell.RunAsync($"restic backup --quiet --repo {Shell.Q(repository)} {Shell.Q(Files)}", Restic, cancellationToken));
            });
            _rows.Add(new EngineRow("files", "full snapshot", full, "restic backup (first)", resticFull, 1.0, "(information)", true));
            var resticRestore = await MedianAsync(async r =>
            {
                var target = Path.Combine(work, $"unrestic-{r}");
                var seconds = await TimeAsync(() => Shell.RunAsync($"restic restore latest --quiet --repo {Shell.Q(repository)} --target {Shell.Q(target)} && sync -f {Shell.Q(target)}", Restic, cancellationToken));
                return seconds;
            });
            _rows.Add(new EngineRow("files", "restore", restore, "restic restore", resticRestore, 1.0, "(information)", true));
            Notes.Add($"restic {(await OutputAsync("restic version")).Split(' ')[1]} repository {DirectorySize(repository) / 1e6:N0} MB.");

            long changed = 0;
            var resticTimes = new List<double>();
            var portalIncremental = await MedianAsync(async r =>
            {
                changed = data.ChangeOnePercent(Files, r);
                var seconds = await TimeAsync(() => CaptureAsync(store, $"incremental-{r}", [new ServiceSpec("files", ServiceKind.Mount, Files)]));
                resticTimes.Add(await TimeAsync(() => Shell.RunAsync($"restic backup --quiet --repo {Shell.Q(repository)} {Shell.Q(Files)}", Restic, cancellationToken)));
                return seconds;
            });
            var resticIncremental = Median(resticTimes);
            var met = portalIncremental <= 0.1 * full && portalIncremental < resticIncremental;
            _rows.Add(new EngineRow("files", "1 % changed: 2nd snapshot", portalIncremental, "restic backup (incremental)", resticIncremental, 1.0,
                $"<= 0.1x Portal full ({0.1 * full:F2} s) and < restic", met));
            Notes.Add($"Incremental: each round rewrites a seeded 1 % of the files ({changed / 1e6:N1} MB in the last round, current mtime) and snapshots again "
                + "into the same store/repository; Portal re-reads only files whose size, mtime, inode or device changed (plus files changed within 2 s of the previous capture's start).");
        }

        private async Task MariaDbAsync()
        {
            Console.WriteLine("MariaDB ...");
            var dump = Path.Combine(work, "dump.sql.zst");
            var store = "";
            var (tool, capture) = await AlternateAsync(
                async _ =>
                {
                    File.Delete(dump);
                    return await TimeAsync(() => Shell.RunAsync(
                        $"mariadb-dump {MySqlArguments} --single-transaction --quick --routines --triggers --events --hex-blob {Database} | zstd -1 -T0 -q -o {Shell.Q(dump)} && sync -f {Shell.Q(dump)}",
                        MySqlPassword, cancellationToken));
                },
                async _ =>
                {
                    store = NewStore();
                    return await TimeAsync(async () => _dumpBytes = (await CaptureAsync(store, "db", [MySql(Database)])).SizeOfDatabases);
                });
            _rows.Add(new EngineRow("MariaDB", "capture", capture, "mariadb-dump --single-transaction | zstd -1", tool, 1.1, "<= 1.1x"));

            var expected = await data.DatabaseFingerprintAsync(mariadb, Database, cancellationToken);
            var (load, restore) = await AlternateAsync(
                async _ => await TimeAsync(() => Shell.RunAsync(
                    $"mariadb {MySqlArguments} -e 'DROP DATABASE IF EXISTS {RestoreDatabase}; CREATE DATABASE {RestoreDatabase} CHARACTER SET utf8mb4' "
                    + $"&& zstd -dc -q {Shell.Q(dump)} | mariadb {MySqlArguments} --batch {RestoreDatabase}",
                    MySqlPassword, cancellationToken)),
                async r =>
                {
                    var seconds = await TimeAsync(() => RestoreAsync(store, "db", [MySql(RestoreDatabase) with { Name = "db" }]));
                    if (r == 0 && await data.DatabaseFingerprintAsync(mariadb, RestoreDatabase, cancellationToken) != expected)
                    {
                        throw new InvalidOperationException("The restored MariaDB database differs from the source.");
                    }

                    return seconds;
                });
            _rows.Add(new EngineRow("MariaDB", "restore", restore, "zstd -dc | mariadb", load, 1.0 / 3, "<= 0.33x (3x faster)"));

            // A live snapshot (or a server whose data directory Portal cannot reach) takes the logical path; measured once, for information.
            var logicalStore = NewStore();
            var logicalCapture = await TimeAsync(() => CaptureAsync(logicalStore, "db", [MySql(Database)], MySqlMethod.Logical));
            _rows.Add(new EngineRow("MariaDB", "capture, logical (live)", logicalCapture, "mariadb-dump --single-transaction | zstd -1", tool, 1.0, "(information)", true));
            var logicalRestore = await TimeAsync(() => RestoreAsync(logicalStore, "db", [MySql(RestoreDatabase) with { Name = "db" }]));
            if (await data.DatabaseFingerprintAsync(mariadb, RestoreDatabase, cancellationToken) != expected)
            {
                throw new InvalidOperationException("The MariaDB database restored from the logical capture differs from the source.");
            }

            _rows.Add(new EngineRow("MariaDB", "restore, logical (live)", logicalRestore, "zstd -dc | mariadb", load, 1.0, "(information)", true));
            Notes.Add($"MariaDB: dump.sql.zst {new FileInfo(dump).Length / 1e6:N0} MB; Portal store {DirectorySize(store) / 1e6:N0} MB from {_dumpBytes / 1e6:N0} MB of InnoDB table files "
                + "(a safe snapshot on a server whose data directory Portal reaches: FLUSH TABLES … FOR EXPORT, copy, IMPORT TABLESPACE through a staging database); "
                + $"logical store {DirectorySize(logicalStore) / 1e6:N0} MB. Every restored database's row counts and CRC32 sums per table were checked against the source.");
            File.Delete(dump);
        }

        private async Task RedisAsync()
        {
            Console.WriteLine("Redis ...");
            var server = redis.GetServers().Single();
            var source = redis.GetDatabase(SourceRedisDb);
            var target = redis.GetDatabase(TargetRedisDb);
            List<(RedisKey Key, byte[] Value, TimeSpan? Ttl)> records = [];
            var scanDump = await MedianAsync(async _ => await TimeAsync(async () => records = await ScanDumpAsync(server, source)));
            // BGSAVE and Portal's capture (itself a BGSAVE) alternate, so drift in the machine's state (writeback and page cache
            // after the earlier areas) weighs on both alike; each starts once the server has no save running.
            List<double> bgsaves = [], captures = [];
            var store = "";
            for (var r = 0; r < options.Repeat; r++)
            {
                await RedisSaves.NoSaveRunningAsync(server, cancellationToken);
                bgsaves.Add(await TimeAsync(() => RedisSaves.BackgroundSaveAsync(server, cancellationToken)));
                await RedisSaves.NoSaveRunningAsync(server, cancellationToken);
                store = NewStore();
                captures.Add(await TimeAsync(async () => _redisBytes = (await CaptureAsync(store, "redis", [new ServiceSpec("redis", ServiceKind.Redis, RedisSource)])).SizeOfDatabases));
            }

            var (bgsave, capture) = (Median(bgsaves), Median(captures));
            var best = Math.Min(scanDump, bgsave);
            _rows.Add(new EngineRow("Redis", "capture", capture, scanDump <= bgsave ? "pipelined SCAN + DUMP + PTTL" : "BGSAVE", best, 1.1, "<= 1.1x best tool"));
            _rows.Add(new EngineRow("Redis", "capture", capture, scanDump <= bgsave ? "BGSAVE" : "pipelined SCAN + DUMP + PTTL", Math.Max(scanDump, bgsave), 1.0, "(information)", true));

            // Where Portal cannot read the server's RDB file (another host, no CONFIG/BGSAVE rights) it reads keys over the connection.
            var scanStore = NewStore();
            var scanCapture = await TimeAsync(() => CaptureAsync(scanStore, "redis", [new ServiceSpec("redis", ServiceKind.Redis, RedisSource)], redisMethod: RedisMethod.Scan));
            _rows.Add(new EngineRow("Redis", "capture, SCAN + DUMP (no file access)", scanCapture, "pipelined SCAN + DUMP + PTTL", scanDump, 1.0, "(information)", true));

            var restoreTool = await MedianAsync(async _ => await TimeAsync(async () =>
            {
                await server.FlushDatabaseAsync(TargetRedisDb);
                await RestoreRecordsAsync(target, records);
            }));
            var restore = await MedianAsync(async r =>
            {
                var seconds = await TimeAsync(() => RestoreAsync(store, "redis", [new ServiceSpec("redis", ServiceKind.Redis, RedisTarget)]));
                if (r == 0 && (await server.DatabaseSizeAsync(TargetRedisDb) != data.RedisKeys || await target.KeyTimeToLiveAsync("sess_00000000") is not { } ttl || ttl < TimeSpan.FromMinutes(50)))
                {
                    throw new InvalidOperationException("The restored Redis database lacks keys or TTLs.");
                }

                return seconds;
            });
            _rows.Add(new EngineRow("Redis", "restore", restore, "FLUSHDB + pipelined RESTORE", restoreTool, 1.1, "<= 1.1x"));
            Notes.Add("Redis tools run in this process over one StackExchange.Redis connection (batches of 1,000); the SCAN+DUMP records are kept in memory, "
                + "Portal writes them zstd-compressed to its store. BGSAVE is timed until `INFO persistence` reports it finished (it writes every database of the server). "
                + "Portal's capture asks for a BGSAVE itself and reads the RDB file while Redis's child writes it, cutting each key's DUMP payload out of it; "
                + "it is done once the file's end and checksum are read, which can be before the child's fsync and rename that end the BGSAVE timing.");
        }

        private async Task WholeEnvironmentAsync()
        {
            Console.WriteLine("Whole environment ...");
            ServiceSpec[] services =
            [
                new("files", ServiceKind.Mount, Files),
                MySql(Database),
                new("redis", ServiceKind.Redis, RedisSource),
            ];
            var store = "";
            long size = 0;
            var capture = await MedianAsync(async _ =>
            {
                store = NewStore();
                return await TimeAsync(async () =>
                {
                    var result = await CaptureAsync(store, "env", services);
                    size = result.SizeOfVolumes + result.SizeOfDatabases;
                });
            });
            var restore = await MedianAsync(async r =>
            {
                var folder = Path.Combine(work, $"env-restore-{r}");
                var seconds = await TimeAsync(() => RestoreAsync(store, "env",
                [
                    new("files", ServiceKind.Mount, folder),
                    MySql(RestoreDatabase) with { Name = "db" },
                    new("redis", ServiceKind.Redis, RedisTarget),
                ]));
                return seconds;
            });
            var seedSeconds = size / 1e6 / SeedMegabytesPerSecond;
            _rows.Add(new EngineRow("environment", $"snapshot ({size / 1e6:N0} MB, {size / 1e6 / capture:N0} MB/s)", capture, "seed engine at ~17 MB/s (est.)", seedSeconds, 1.0, "(information)", true));
            _rows.Add(new EngineRow("environment", $"restore ({size / 1e6:N0} MB, {size / 1e6 / restore:N0} MB/s)", restore, "seed engine at ~17 MB/s (est.)", seedSeconds, 0.1, ">= 10x seed rate (<= 0.1x)"));
            Notes.Add("Environment: files + MariaDB + Redis in one CaptureRequest/RestoreRequest; MB/s is uncompressed bytes (file sizes + what each database service captured: InnoDB table files, Redis records) over wall time. "
                + "The seed's time is its ~17 MB/s applied to the same size, not a run of the seed.");
        }

        private ServiceSpec MySql(string database) =>
            new("db", ServiceKind.MySql, new MySqlConnectionStringBuilder(mariadb) { Database = database }.ConnectionString);

        private async Task<CaptureResult> CaptureAsync(
            string store, string id, ServiceSpec[] services, MySqlMethod method = MySqlMethod.Auto, RedisMethod redisMethod = RedisMethod.Auto)
        {
            await using var provider = Engine(store, method, redisMethod);
            var engine = provider.GetRequiredService<ISnapshotEngine>();
            return await engine.CaptureAsync(new CaptureRequest(id, "bench", services), new Progress<EngineProgress>(), cancellationToken);
        }

        private async Task RestoreAsync(string store, string id, ServiceSpec[] targets)
        {
            await using var provider = Engine(store);
            var engine = provider.GetRequiredService<ISnapshotEngine>();
            await engine.RestoreAsync(new RestoreRequest(id, targets), new Progress<EngineProgress>(), cancellationToken);
        }

        /// <summary>The engine exactly as the app registers it (AddPortalEngine, section "Engine"), on a given store.</summary>
        private static ServiceProvider Engine(string store, MySqlMethod method = MySqlMethod.Auto, RedisMethod redisMethod = RedisMethod.Auto)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Engine:StorePath"] = store,
                ["Engine:MySqlMethod"] = method.ToString(),
                ["Engine:RedisMethod"] = redisMethod.ToString(),
            }).Build();
            return new ServiceCollection().AddPortalEngine(configuration).BuildServiceProvider();
        }

        // Stores, restored trees and repositories are all kept until the run ends: ext4 slows every file creation for a minute
        // or more after a mass deletion (it skips recently freed inodes), which punished whichever side created files next.
        private string NewStore() => Path.Combine(work, $"store-{Interlocked.Increment(ref _stores)}");

        private async Task<List<(RedisKey, byte[], TimeSpan?)>> ScanDumpAsync(IServer server, IDatabase db)
        {
            var records = new List<(RedisKey, byte[], TimeSpan?)>();
            var keys = new List<RedisKey>(1_000);
            async Task Flush()
            {
                var batch = db.CreateBatch();
                var dumps = keys.Select(k => batch.KeyDumpAsync(k)).ToList();
                var ttls = keys.Select(k => batch.KeyTimeToLiveAsync(k)).ToList();
                batch.Execute();
                for (var i = 0; i < keys.Count; i++)
                {
                    if (await dumps[i] is { } value)
                    {
                        records.Add((keys[i], value, await ttls[i]));
                    }
                }

                keys.Clear();
            }

            await foreach (var key in server.KeysAsync(db.Database, pageSize: 1_000).WithCancellation(cancellationToken))
            {
                keys.Add(key);
                if (keys.Count == 1_000)
                {
                    await Flush();
                }
            }

            await Flush();
            return records;
        }

        private static async Task RestoreRecordsAsync(IDatabase db, List<(RedisKey Key, byte[] Value, TimeSpan? Ttl)> records)
        {
            foreach (var chunk in records.Chunk(1_000))
            {
                var batch = db.CreateBatch();
                var tasks = chunk.Select(r => batch.KeyRestoreAsync(r.Key, r.Value, r.Ttl)).ToList();
                batch.Execute();
                await Task.WhenAll(tasks);
            }
        }

        /// <summary>
        /// The tool's and Portal's runs taken in turns, each pair in the same round, so drift in the machine's state (writeback,
        /// page cache, a noisy neighbour) weighs on both alike; the medians of each.
        /// </summary>
        private async Task<(double Tool, double Portal)> AlternateAsync(Func<int, Task<double>> tool, Func<int, Task<double>> portal)
        {
            List<double> tools = [], portals = [];
            for (var r = 0; r < options.Repeat; r++)
            {
                tools.Add(await tool(r));
                portals.Add(await portal(r));
            }

            Console.WriteLine($"  tool runs: {Runs(tools)} s; Portal runs: {Runs(portals)} s");
            return (Median(tools), Median(portals));
        }

        private static string Runs(List<double> times) => string.Join(", ", times.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)));

        /// <summary>
        /// Empties the page cache, then reads back what the next run reads (this mode measures warm), so each files run starts
        /// with the same free memory: as the runs filled it, the kernel's reclaim doubled a capture's system time.
        /// </summary>
        private async Task SettleAsync(string input)
        {
            _settled &= ProcessCpu.DropPageCache();
            await Shell.RunAsync($"find {Shell.Q(input)} -type f -print0 | xargs -0 cat > /dev/null", null, cancellationToken);
        }

        private async Task<double> MedianAsync(Func<int, Task<double>> run)
        {
            var times = new List<double>();
            for (var r = 0; r < options.Repeat; r++)
            {
                times.Add(await run(r));
            }

            Console.WriteLine($"  runs: {Runs(times)} s");
            return Median(times);
        }

        private static double Median(List<double> times) => times.Order().ElementAt(times.Count / 2);

        private static async Task<double> TimeAsync(Func<Task> action)
        {
            var clock = Stopwatch.StartNew();
            await action();
            return clock.Elapsed.TotalSeconds;
        }

        private async Task<string> OutputAsync(string command)
        {
            var start = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true };
            using var process = Process.Start(start)!;
            var text = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return text.Trim();
        }

        private static long DirectorySize(string folder) =>
            Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
    }
}
