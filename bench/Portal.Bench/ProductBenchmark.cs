namespace Portal.Bench;

using System.Diagnostics;
using Portal.Testing;
using StackExchange.Redis;
using static Portal.Bench.Shell;

/// <summary>One timed run: wall seconds, CPU-seconds (NaN where they cannot be read), and for Portal the activity it ran.</summary>
internal sealed record Sample(double Seconds, double CpuSeconds, ActivityRun? Activity = null);

/// <summary>
/// The product path: a real Portal process (Release build, SQLite, its own data folder and store) driven only through its
/// REST API, against the tools on the same data; the page cache dropped before every timed run, tool and Portal alternating
/// within each round, a fresh Portal (so a first snapshot really is the first) per round.
/// </summary>
internal static class ProductBenchmark
{
    public static async Task<int> RunAsync(ProductBenchOptions options, CancellationToken cancellationToken)
    {
        var mariadb = BenchArguments.Server("MARIADB");
        if (mariadb is null)
        {
            Console.Error.WriteLine("The product benchmark needs PORTAL_BENCH_MARIADB or PORTAL_TEST_MARIADB (e.g. from `./build.sh servers`).");
            return 2;
        }

        if (!await BenchArguments.ToolsAsync(["tar", "zstd", "restic", "mariadb-backup", "redis-server", "sync"], "tar zstd restic mariadb-backup redis-server coreutils", cancellationToken))
        {
            return 2;
        }

        var work = Path.Combine(options.WorkPath ?? Path.GetTempPath(), "portal-bench-product-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        // Tests flush every database of the shared test Redis (0-15) as they run; the shop's sessions need one nobody else uses.
        await using var privateRedis = Environment.GetEnvironmentVariable("PORTAL_BENCH_REDIS") is { Length: > 0 } ? null : await PrivateRedis.StartAsync(Path.Combine(work, "redis"), cancellationToken);
        var redisAddress = privateRedis?.Address ?? BenchArguments.Server("REDIS")!;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisAddress + ",allowAdmin=true,syncTimeout=60000,asyncTimeout=60000");
        var shop = new ProductDataSet(options, work, mariadb, redisAddress, BenchArguments.Server("POSTGRES"));
        try
        {
            var result = await new ProductRunner(options, work, shop, redis, cancellationToken).RunAsync();
            Report.Publish(ProductReport.Table(result) + "\n" + ProductReport.Logs(result), options.WriteDocs, options.DocsPath, path => ProductReport.WriteDocs(path, result), options.NotFullRun);

            return 0;
        }
        finally
        {
            await shop.RemoveAsync(redis);
            Directory.Delete(work, recursive: true);
        }
    }
}

/// <summary>What a product run measured, for the report.</summary>
internal sealed record ProductResult(
    ProductBenchOptions Options, bool ColdCache, ProductDataSet Shop, IReadOnlyDictionary<string, List<Sample>> Portal,
    IReadOnlyDictionary<string, List<Sample>> Tool, long ArchiveBytes, long StoredBytes, long EnvironmentBytes, long ChangedBytes,
    string LoadBefore, string LoadAfter);

/// <summary>The rounds of one product run.</summary>
internal sealed class ProductRunner(ProductBenchOptions options, string work, ProductDataSet shop, ConnectionMultiplexer redis, CancellationToken cancellationToken)
{
    public const string FilesSnapshot = "files snapshot";
    public const string FilesRestore = "files restore";
    public const string AfterRestore = "first snapshot after a restore";
    public const string Incremental = "1 % changed, 2nd snapshot";
    public const string MariaDbCapture = "MariaDB capture (table files)";
    public const string MariaDbRestore = "MariaDB restore (table files)";
    public const string RedisCapture = "Redis capture";
    public const string PostgresCapture = "PostgreSQL capture";
    public const string PostgresRestore = "PostgreSQL restore";
    public const string ShopSnapshot = "whole environment snapshot";
    public const string ShopRestore = "whole environment restore";

    private readonly Dictionary<string, List<Sample>> _portal = [];
    private readonly Dictionary<string, List<Sample>> _tool = [];
    private bool _cold = true;
    private readonly TreeRemovals _removals = new(cancellationToken);
    private long _archiveBytes;
    private long _storedBytes;
    private long _environmentBytes;
    private long _changedBytes;
    private string _expectedDatabase = "";

    private string Repository => Path.Combine(work, "restic");

    private Dictionary<string, string> Restic => new()
    {
        ["RESTIC_PASSWORD"] = "portal-bench",
        ["RESTIC_CACHE_DIR"] = Path.Combine(work, "restic-cache"),
    };

    /// <summary>
    /// Untimed: mariadb-backup replays the DDL it finds in the redo log since the last checkpoint, and takes a table that an
    /// earlier restore renamed in and out (a RENAME TABLE switch) for one dropped during the backup, copying nothing of it.
    /// Flushing the dirty pages moves the checkpoint past that history, as on a server that has run for a while since.
    /// </summary>
    private async Task CheckpointMariaDbAsync()
    {
        await using var connection = new MySqlConnector.MySqlConnection(shop.MySqlConnectionString);
        await connection.OpenAsync(cancellationToken);
        async Task<string> ScalarAsync(string sql)
        {
            await using var command = new MySqlConnector.MySqlCommand(sql, connection);
            return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }

        var pct = await ScalarAsync("SELECT @@GLOBAL.innodb_max_dirty_pages_pct");
        var lwm = await ScalarAsync("SELECT @@GLOBAL.innodb_max_dirty_pages_pct_lwm");
        try
        {
            await ScalarAsync("SET GLOBAL innodb_max_dirty_pages_pct = 0, GLOBAL innodb_max_dirty_pages_pct_lwm = 0.001");
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(1)
                && long.Parse(await ScalarAsync("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_CHECKPOINT_AGE'"), System.Globalization.CultureInfo.InvariantCulture) > 4096)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
        finally
        {
            await ScalarAsync($"SET GLOBAL innodb_max_dirty_pages_pct = {pct}, GLOBAL innodb_max_dirty_pages_pct_lwm = {lwm}");
        }
    }

    private string MariaDbBackupArguments
    {
        get
        {
            var db = new MySqlConnector.MySqlConnectionStringBuilder(shop.MySqlConnectionString);
            return $"--host={db.Server} --port={db.Port} --user={Q(db.UserID)} --password={Q(db.Password ?? "")}";
        }
    }

    public async Task<ProductResult> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Generating the shop in {work} (scale {options.Scale}, seed {options.Seed}) ...");
        await shop.GenerateAsync(redis, cancellationToken);
        _expectedDatabase = await shop.Data.DatabaseFingerprintAsync(shop.MySqlConnectionString, ProductDataSet.Database, cancellationToken);
        Console.WriteLine($"  {shop.FileCount:N0} files, {shop.FileBytes / 1e6:N0} MB; MariaDB {shop.Data.Tables} x {shop.Data.RowsPerTable:N0} rows; "
            + $"Redis {shop.Data.RedisKeys:N0} keys ({clock.Elapsed.TotalSeconds:F0} s)");
        await Shell.RunAsync($"restic init --quiet --repo {Q(Repository)}", Restic, cancellationToken);
        var loadBefore = await options.RunRoundsAsync(clock, RoundAsync, () => _cold);

        return new ProductResult(options, _cold, shop, _portal, _tool, _archiveBytes, _storedBytes, _environmentBytes, _changedBytes, loadBefore, Report.LoadAverage());
    }

    private async Task RoundAsync(int round)
    {
        // A fresh Portal per round: its store is empty, so the files snapshot is a true first one, as the tool's archive is.
        await using var portal = new PortalProcess(Path.Combine(work, $"portal-{round}"));
        portal.Settings["Portal:Demo:Enabled"] = "false";
        portal.Declare(shop.Project());
        await portal.StartAsync(cancellationToken);
        using var api = await PortalApiClient.SignInAsync(portal, ProductDataSet.Admin, ProductDataSet.ProjectId, cancellationToken);
        await api.WarmUpAsync("warm-up", cancellationToken, rounds: 4);
        await _removals.PortalRemovedAsync(portal);
        await _removals.PortalDroppedHeldTablesAsync(portal);

        var untar = Path.Combine(work, $"untar-{round}");
        if (options.Measures("files"))
        {
            var archive = Path.Combine(work, $"files-{round}.tar.zst");
            await ToolAsync(FilesSnapshot, $"tar -C {Q(shop.Files)} -cf - . | zstd -1 -T0 -q -o {Q(archive)} && sync -f {Q(archive)}");
            var full = await PortalAsync(FilesSnapshot, () => api.SnapshotAsync(FilesSnapshot, "files", cancellationToken));
            _archiveBytes = new FileInfo(archive).Length;
            _storedBytes = (await api.SnapshotSizeAsync("files", full.SnapshotId!, cancellationToken)).Stored;

            Directory.CreateDirectory(untar);
            await _removals.QuietAsync();
            await ToolAsync(FilesRestore, $"zstd -dc -q {Q(archive)} | tar -C {Q(untar)} -xf - && sync -f {Q(untar)}");
            await PortalAsync(FilesRestore, () => api.RestoreAsync(FilesRestore, "files", full.SnapshotId!, cancellationToken));
            await _removals.PortalRemovedAsync(portal);
            EngineDataSet.CheckSameTree(untar, shop.Files);
            await PortalAsync(AfterRestore, () => api.SnapshotAsync(AfterRestore, "files", cancellationToken));

            // restic's base is brought to the same tree first (untimed), so its 2nd run sees only the 1 % as Portal's does.
            await Shell.RunAsync($"restic backup --quiet --repo {Q(Repository)} {Q(shop.Files)}", Restic, cancellationToken);
            _changedBytes = shop.Data.ChangeOnePercent(shop.Files, round);
            await ToolAsync(Incremental, $"restic backup --quiet --repo {Q(Repository)} {Q(shop.Files)} && sync -f {Q(Repository)}", Restic);
            await PortalAsync(Incremental, () => api.SnapshotAsync(Incremental, "files", cancellationToken));
        }

        if (options.Measures("mariadb"))
        {
            var backup = Path.Combine(work, $"mariadb-backup-{round}");
            var datadir = Path.Combine(work, $"mariadb-datadir-{round}");
            await CheckpointMariaDbAsync();
            await ToolAsync(MariaDbCapture, $"mariadb-backup --backup --target-dir={Q(backup)} --databases={ProductDataSet.Database} {MariaDbBackupArguments} && sync -f {Q(backup)}");
            var copied = Directory.Exists(Path.Combine(backup, ProductDataSet.Database))
                ? Directory.EnumerateFiles(Path.Combine(backup, ProductDataSet.Database), "*.ibd").Sum(f => new FileInfo(f).Length)
                : 0;
            Console.WriteLine($"  tool   mariadb-backup copied {copied / 1e6:N0} MB of table files");
            if (copied == 0)
            {
                throw new InvalidOperationException($"mariadb-backup copied no table file of {ProductDataSet.Database}: its time would not be a backup's.");
            }

            var capture = await PortalAsync(MariaDbCapture, () => api.SnapshotAsync(MariaDbCapture, "mariadb", cancellationToken));
            await ToolAsync(MariaDbRestore, $"mariadb-backup --prepare --target-dir={Q(backup)} && mkdir -p {Q(datadir)} "
                + $"&& mariadb-backup --copy-back --target-dir={Q(backup)} --datadir={Q(datadir)} && sync -f {Q(datadir)}");
            await PortalAsync(MariaDbRestore, () => api.RestoreAsync(MariaDbRestore, "mariadb", capture.SnapshotId!, cancellationToken));
            await _removals.PortalDroppedHeldTablesAsync(portal);
            await CheckDatabaseAsync();
        }

        var server = redis.GetServers().Single();
        if (options.Measures("redis"))
        {
            var rdb = await RedisSaves.RdbPathAsync(server);
            await RedisSaves.NoSaveRunningAsync(server, cancellationToken);
            _cold &= ProcessCpu.DropPageCache();
            var save = Stopwatch.StartNew();
            await RedisSaves.BackgroundSaveAsync(server, cancellationToken);
            await Shell.RunAsync($"sync -f {Q(rdb)}", null, cancellationToken);
            Add(_tool, RedisCapture, new Sample(save.Elapsed.TotalSeconds, double.NaN));
            await RedisSaves.NoSaveRunningAsync(server, cancellationToken);
            await PortalAsync(RedisCapture, () => api.SnapshotAsync(RedisCapture, "redis", cancellationToken));
        }

        if (shop.PostgresConnectionString is not null && options.Measures("postgresql"))
        {
            await PostgresAsync(api, round);
        }

        if (options.Measures("environment"))
        {
            var whole = await PortalAsync(ShopSnapshot, () => api.SnapshotAsync(ShopSnapshot, "shop", cancellationToken));
            _environmentBytes = (await api.SnapshotSizeAsync("shop", whole.SnapshotId!, cancellationToken)).Size;
            await _removals.QuietAsync();
            await PortalAsync(ShopRestore, () => api.RestoreAsync(ShopRestore, "shop", whole.SnapshotId!, cancellationToken));
            await _removals.PortalRemovedAsync(portal);
            await _removals.PortalDroppedHeldTablesAsync(portal);
            EngineDataSet.CheckSameTree(untar, shop.Files);
            await CheckDatabaseAsync();
            if (await server.DatabaseSizeAsync(ProductDataSet.RedisDatabase) is var keys && keys != shop.Data.RedisKeys)
            {
                throw new InvalidOperationException($"The restored Redis database holds {keys:N0} keys, not {shop.Data.RedisKeys:N0}.");
            }
        }

        Console.WriteLine($"  Portal used {ProcessCpu.Seconds(portal.ProcessId):F1} CPU-seconds this round.");
    }

    private async Task PostgresAsync(PortalApiClient api, int round)
    {
        var pg = new Npgsql.NpgsqlConnectionStringBuilder(shop.PostgresConnectionString);
        var client = $"--host={Q(pg.Host!)} --port={pg.Port} --username={Q(pg.Username!)}";
        Dictionary<string, string> password = new() { ["PGPASSWORD"] = pg.Password ?? "" };
        var dump = Path.Combine(work, $"postgresql-{round}.sql.zst");
        var tool = ProductDataSet.Database + "_tool";
        var expected = await shop.PostgresFingerprintAsync(ProductDataSet.Database, cancellationToken);
        await ToolAsync(PostgresCapture, $"pg_dump {client} --format=plain --no-owner --no-privileges {ProductDataSet.Database} | zstd -1 -T0 -q -o {Q(dump)} && sync -f {Q(dump)}", password);
        var capture = await PortalAsync(PostgresCapture, () => api.SnapshotAsync(PostgresCapture, "postgresql", cancellationToken));
        await shop.PostgresAsync($"DROP DATABASE IF EXISTS {tool}; CREATE DATABASE {tool}", null, cancellationToken);
        await ToolAsync(PostgresRestore, $"zstd -dc -q {Q(dump)} | psql {client} --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --single-transaction --dbname={tool}", password);
        await PortalAsync(PostgresRestore, () => api.RestoreAsync(PostgresRestore, "postgresql", capture.SnapshotId!, cancellationToken));
        if (await shop.PostgresFingerprintAsync(ProductDataSet.Database, cancellationToken) != expected || await shop.PostgresFingerprintAsync(tool, cancellationToken) != expected)
        {
            throw new InvalidOperationException("A PostgreSQL database restored by Portal or psql differs from the one captured.");
        }
    }

    private async Task CheckDatabaseAsync()
    {
        if (await shop.Data.DatabaseFingerprintAsync(shop.MySqlConnectionString, ProductDataSet.Database, cancellationToken) != _expectedDatabase)
        {
            throw new InvalidOperationException("The MariaDB database Portal restored differs from the one it captured.");
        }
    }

    private async Task ToolAsync(string operation, string script, IReadOnlyDictionary<string, string>? environment = null)
    {
        _cold &= ProcessCpu.DropPageCache();
        var (seconds, cpu) = await TimeAsync(script, environment, cancellationToken);
        Add(_tool, operation, new Sample(seconds, cpu));
        Console.WriteLine($"  tool   {operation,-32} {seconds,7:F2} s  {cpu,6:F2} CPU-s");
    }

    private async Task<ActivityRun> PortalAsync(string operation, Func<Task<ActivityRun>> run)
    {
        _cold &= ProcessCpu.DropPageCache();
        var activity = await run();
        Add(_portal, operation, new Sample(activity.Seconds, activity.CpuSeconds, activity));
        Console.WriteLine($"  Portal {operation,-32} {activity.Seconds,7:F2} s  {activity.CpuSeconds,6:F2} CPU-s  (queued {activity.QueuedSeconds:F2} s, ran {activity.RunSeconds:F2} s)");
        return activity;
    }

    private static void Add(Dictionary<string, List<Sample>> samples, string operation, Sample sample)
    {
        if (!samples.TryGetValue(operation, out var list))
        {
            samples[operation] = list = [];
        }

        list.Add(sample);
    }
}
