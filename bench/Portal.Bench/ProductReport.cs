namespace Portal.Bench;

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using static Portal.Bench.ProductRunner;

/// <summary>One line of the product table: Portal's figure, the tool's, their ratio and the issue's target for it.</summary>
internal sealed record ProductRow(string Operation, string Portal, string Tool, double Ratio, string Target, bool? Met);

/// <summary>The product mode's console table and its "Product path" section of docs/benchmarks.md.</summary>
internal static class ProductReport
{
    // The seed project's whole-environment rate, 60 GB/h.
    private const double SeedMegabytesPerSecond = 60_000.0 / 3_600;
    private const string Begin = "<!-- bench:product:begin (written by bench/Portal.Bench product; notes outside these markers are kept) -->";
    private const string End = "<!-- bench:product:end -->";
    private const string Heading = "## Product path: Portal through its REST API against the tools";

    public static IReadOnlyList<ProductRow> Rows(ProductResult r)
    {
        double P(string op) => Stats.MedianOf(r.Portal[op].Select(s => s.Seconds));
        double T(string op) => Stats.MedianOf(r.Tool[op].Select(s => s.Seconds));
        double CpuPerGb(IReadOnlyDictionary<string, List<Sample>> samples, string op) => Stats.MedianOf(samples[op].Select(s => s.CpuSeconds)) / (r.Shop.FileBytes / 1e9);
        ProductRow Versus(string op, string tool, double maxRatio, string target) =>
            new(op, $"{P(op):F2} s", $"{tool} {T(op):F2} s", P(op) / T(op), target, target.StartsWith('(') ? null : P(op) / T(op) <= maxRatio);
        ProductRow VersusFull(string op, double maxRatio) =>
            new(op, $"{P(op):F2} s", $"its full snapshot {P(FilesSnapshot):F2} s", P(op) / P(FilesSnapshot), $"<= {maxRatio:0.##}x", P(op) / P(FilesSnapshot) <= maxRatio);
        ProductRow Rate(string op, double? minRatio)
        {
            var rate = r.EnvironmentBytes / 1e6 / P(op);
            return new($"{op} ({r.EnvironmentBytes / 1e6:N0} MB)", $"{P(op):F2} s = {rate:N0} MB/s", $"the seed's 60 GB/h = {SeedMegabytesPerSecond:F1} MB/s",
                rate / SeedMegabytesPerSecond, minRatio is { } min ? $">= {min:0}x (>= {min * SeedMegabytesPerSecond:N0} MB/s)" : "(information)",
                minRatio is { } least ? rate / SeedMegabytesPerSecond >= least : null);
        }

        IEnumerable<ProductRow> Postgres() => r.Portal.ContainsKey(PostgresCapture)
            ? [Versus(PostgresCapture, "`pg_dump | zstd -1 -T0` + sync", 1.0, "(information)"), Versus(PostgresRestore, "`zstd -dc | psql --single-transaction`", 1.0, "(information)")]
            : [];

        ProductRow Cpu(string op, string tool)
        {
            var (portal, other) = (CpuPerGb(r.Portal, op), CpuPerGb(r.Tool, op));
            return new($"CPU-seconds per GB of files, {op[6..]}", $"{portal:F2}", $"{tool} {other:F2}", portal / other, "<= 1.5x", portal / other <= 1.5);
        }

        // A partial run (--only) has rows for what it measured only; each row's figures are read when it is kept.
        bool Has(params string[] ops) => ops.All(r.Portal.ContainsKey);
        IEnumerable<ProductRow> When(bool measured, params Func<ProductRow>[] rows) => measured ? rows.Select(row => row()) : [];

        return
        [
            .. When(Has(FilesSnapshot, FilesRestore, Incremental, AfterRestore),
                () => Versus(FilesSnapshot, "`tar -c | zstd -1 -T0` + sync", 1.0, "<= 1.0x"),
                () => Versus(FilesRestore, "`zstd -dc | tar -x` + sync", 1.0, "<= 1.0x"),
                () => VersusFull(Incremental, 0.05),
                () => Versus(Incremental, "restic backup, 2nd run + sync", 1.0, "(information)"),
                () => VersusFull(AfterRestore, 0.1)),
            .. When(Has(MariaDbCapture, MariaDbRestore),
                () => Versus(MariaDbCapture, "mariadb-backup --backup + sync", 1.0, "(information)"),
                () => Versus(MariaDbRestore, "mariadb-backup --prepare + --copy-back + sync", 1.0, "<= 1.0x")),
            .. When(Has(RedisCapture), () => Versus(RedisCapture, "BGSAVE + sync", 1.0, "<= 1.0x")),
            .. Postgres(),
            .. When(Has(ShopSnapshot, ShopRestore), () => Rate(ShopSnapshot, null), () => Rate(ShopRestore, 20)),
            .. When(Has(FilesSnapshot, FilesRestore),
                () => Cpu(FilesSnapshot, "`tar -c | zstd -1 -T0`"),
                () => Cpu(FilesRestore, "`zstd -dc | tar -x`")),
        ];
    }

    public static string Table(ProductResult r)
    {
        var text = new StringBuilder();
        text.AppendLine(Describe(r));
        text.AppendLine(CultureInfo.InvariantCulture, $"{"operation",-46} {"Portal",-22} {"tool",-62} {"ratio",7}  target");
        foreach (var row in Rows(r))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{row.Operation,-46} {row.Portal,-22} {row.Tool.Replace("`", "", StringComparison.Ordinal),-62} {row.Ratio,6:F2}x  {row.Target} {Verdict(row, "NOT met")}");
        }

        text.AppendLine();
        text.Append(Timings(r, markdown: false));
        return text.ToString();
    }

    /// <summary>Each Portal operation's log from the last round: where its time went, step by step.</summary>
    public static string Logs(ProductResult r)
    {
        var text = new StringBuilder();
        foreach (var (op, samples) in r.Portal)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"--- {op}, round {samples.Count}: activity log ---");
            text.AppendLine(samples[^1].Activity!.Log.TrimEnd());
        }

        return text.ToString();
    }

    public static void WriteDocs(string path, ProductResult r) => Report.WriteDocs(path, Markdown(r), Begin, End, Heading, EngineBenchmark.Heading);

    private static string Markdown(ProductResult r)
    {
        var o = r.Options;
        var md = new StringBuilder();
        void Line(string line = "") => md.Append(line).Append('\n');
        if (!o.IsFullRun)
        {
            Line($"**A scaled run (`--scale {o.Scale} --runs {o.Runs}`), not the published figures: the issue's shop is `--scale 1 --runs 3`.**");
            Line();
        }

        Line(Report.Measured() + $"; --scale {o.Scale} --runs {o.Runs} "
            + $"(each figure the median of {o.Runs} round{(o.Runs == 1 ? "" : "s")}); machine load average {r.LoadBefore} before, {r.LoadAfter} after.");
        Line();
        Line("```bash");
        Line("eval \"$(./build.sh servers)\"   # as root, so the page cache can be dropped");
        Line($"dotnet run -c Release --project bench/Portal.Bench -- product --scale {o.Scale} --runs {o.Runs} --docs");
        Line("```");
        Line();
        Line(Describe(r));
        Line();
        Line("| operation | Portal | tool | ratio | target | met |");
        Line("|---|---:|---|---:|---|---|");
        foreach (var row in Rows(r))
        {
            Line($"| {row.Operation} | {row.Portal} | {Cell(row.Tool)} | {row.Ratio:F2}x | {row.Target} | {Verdict(row, "**not met**")} |");
        }

        Line();
        Line("Where the time goes (medians; wall = POST to the time Portal recorded the activity complete (the API polled every 250 ms); queued = the activity's "
            + "`created_at` to `started_at`; ran = `started_at` to `completed_at`; CPU = the Portal process's utime + stime from `/proc/<pid>/stat` across the activity, "
            + "the tool's from bash's `times`):");
        Line();
        Line(Timings(r, markdown: true));
        Line("<details><summary>Activity logs of the last round</summary>");
        Line();
        Line("```text");
        Line(Logs(r).TrimEnd());
        Line("```");
        Line();
        Line("</details>");
        return md.ToString();
    }

    private static string Describe(ProductResult r) =>
        (r.ColdCache
            ? "Page cache dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`) before every timed run. "
            : "**WARM CACHE: the page cache could not be dropped (not root), every figure read warm files.** ")
        + $"Shop (seed {r.Options.Seed}, not the engine mode's): {r.Shop.FileCount:N0} files, {r.Shop.FileBytes / 1e6:N0} MB in one mount "
        + $"({r.Shop.Data.MediaFiles:N0} media files, 70 % of them random bytes; {r.Shop.Data.VarFiles:N0} var/ text files; tar.zst {r.ArchiveBytes / 1e6:N0} MB, "
        + $"Portal's store {r.StoredBytes / 1e6:N0} MB); MariaDB {r.Shop.Data.Tables} x {r.Shop.Data.RowsPerTable:N0} sysbench rows; Redis {r.Shop.Data.RedisKeys:N0} keys; "
        + (r.Shop.PostgresConnectionString is null ? "" : $"PostgreSQL (an environment of its own, not in `shop`, so the shop stays the issue's) {r.Shop.PostgresRows:N0} pgbench accounts rows; ")
        + $"1 % changed = {r.ChangedBytes / 1e6:N1} MB rewritten in the last round. Each round starts a fresh Portal (Release build of src/Portal.Web, "
        + "`dotnet Portal.Web.dll`, Development for its local sign-in, SQLite, its own data folder and store) declaring one project with the environments "
        + "`files`, `mariadb`, `redis`, `postgresql` (one service each) and `shop` (files, MariaDB and Redis), signs in as the declared admin and drives it only through the REST API; "
        + $"each Redis service declares a staging database (`stagingDatabase={ProductDataSet.RedisStagingDatabase}`), so its restore loads the keys there while the other services prepare and switches them in with one SWAPDB; "
        + "restores are in place without a safety snapshot. After each start four snapshots and restores of a small `warm-up` environment of every kind the shop has "
        + "(80 files of random and text, 1-300 KB; a 2,000-row MariaDB table; 2,000 Redis keys; a 2,000-row PostgreSQL table), untimed, then a wait until Portal's CPU is quiet for a second, "
        + "so each code path has been compiled once before it is timed (Portal runs without tiered compilation, ADR 0017: a method is compiled optimised at its first call), as in a Portal that has been serving for a while. Portal's background delete of a tree its restore swapped out, and its background drop of the MariaDB tables a restore replaced, are waited for, untimed, and the files restores (tar's and Portal's) and the whole environment restore start at least 65 s after the last such delete (ext4 passes over inodes freed in the last minute when it allocates one). Tool and Portal runs alternate within each round. The tools write to their own folders: mariadb-backup's "
        + "`--copy-back` goes into an empty data directory (no server restart is counted), tar and restic into new folders and repositories; "
        + "Portal restores into the environment itself (swap included). The whole environment snapshot runs last in its round, so its "
        + "store already holds most of its objects; only its restore is held to a target.";

    private static string Timings(ProductResult r, bool markdown)
    {
        var text = new StringBuilder();
        double M(IEnumerable<double> values) => Stats.MedianOf(values);
        text.AppendLine(markdown
            ? "| Portal operation | wall | queued | ran | Portal CPU-s | tool wall | tool CPU-s |\n|---|---:|---:|---:|---:|---:|---:|"
            : $"{"Portal operation",-34} {"wall",7} {"queued",7} {"ran",7} {"CPU-s",7} {"tool",7} {"tool CPU",8}");
        foreach (var (op, samples) in r.Portal)
        {
            var wall = M(samples.Select(s => s.Seconds));
            var queued = M(samples.Select(s => s.Activity!.QueuedSeconds));
            var ran = M(samples.Select(s => s.Activity!.RunSeconds));
            var cpu = M(samples.Select(s => s.CpuSeconds));
            var (tool, toolCpu) = r.Tool.TryGetValue(op, out var t) ? (M(t.Select(s => s.Seconds)), M(t.Select(s => s.CpuSeconds))) : (double.NaN, double.NaN);
            var line = markdown
                ? $"| {op} | {wall:F2} s | {queued:F2} s | {ran:F2} s | {cpu:F2} | {Seconds(tool)} | {Number(toolCpu)} |"
                : $"{op,-34} {wall,7:F2} {queued,7:F2} {ran,7:F2} {cpu,7:F2} {Number(tool),7} {Number(toolCpu),8}";
            text.AppendLine(line);
        }

        return text.ToString();
    }

    private static string Seconds(double value) => double.IsNaN(value) ? "-" : $"{value:F2} s";

    private static string Number(double value) => double.IsNaN(value) ? "-" : $"{value:F2}";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Verdict(ProductRow row, string notMet) => row.Met switch { null => "-", true => "met", false => notMet };
}
