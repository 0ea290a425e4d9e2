namespace Portal.Bench;

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

/// <summary>The console table and the generated part of docs/benchmarks.md.</summary>
internal static class Report
{
    public const double TargetP95Milliseconds = 10;
    private const string Begin = "<!-- bench:feed:begin (written by bench/Portal.Bench; notes outside these markers are kept) -->";
    private const string End = "<!-- bench:feed:end -->";
    private const string Heading = "## Feed query (1,000,000 activities, 200 environments)";

    public static string Table(IReadOnlyList<ProviderResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"{"provider",-11} {"query",-42} {"n",5} {"median",8} {"p95",8} {"p99",8} {"max",8}  (ms)"));
        foreach (var result in results)
        {
            foreach (var s in result.Stats)
            {
                text.AppendLine(Invariant($"{result.Name,-11} {s.Query,-42} {s.Count,5} {s.Median,8:F2} {s.P95,8:F2} {s.P99,8:F2} {s.Max,8:F2}"));
            }
        }

        return text.ToString();
    }

    public static string Markdown(IReadOnlyList<ProviderResult> results, BenchOptions options)
    {
        var md = new StringBuilder();
        // Program.cs sets the invariant culture, so interpolated numbers and dates read the same everywhere.
        void Line(string line = "") => md.Append(line).Append('\n');

        Line(Measured() + ".");
        Line();
        Line($"```bash");
        Line($"eval \"$(./build.sh servers)\"   # or export PORTAL_BENCH_POSTGRES='Host=127.0.0.1;Port=...;Username=postgres;Database=postgres'");
        Line($"dotnet run -c Release --project bench/Portal.Bench -- feed --provider both --activities {options.Activities} --environments {options.Environments} --iterations {options.Iterations}");
        Line($"```");
        Line();
        Line($"What it does: a fresh database per provider (SQLite temp file; PostgreSQL `portal_bench_*`, dropped afterwards), the real EF "
            + $"migrations, one project and {options.Environments} environments saved through EF, then {options.Activities:N0} activities bulk-loaded "
            + $"(~10 % `environment.backup`, ~5 % `environment.restore`, the rest push/cron/redeploy/variable/merge/sync/branch; one year of "
            + $"`CreatedAt`; 96 % complete/success; ~60-character text, ~370-byte log; environments uniform, so ~{options.Activities / options.Environments:N0} "
            + $"per environment, ~{options.Activities / options.Environments / 10:N0} snapshots each). Each query is `ActivityRepository.ListAsync` through the "
            + $"pooled `IDbContextFactory<PortalDbContext>` that `AddPortalInfrastructure` registers (one round trip: the environment "
            + $"name is resolved in a subquery), page size 20, a random environment per call, {options.Warmup} warm-up calls per shape, then {options.Iterations} timed calls. "
            + $"The last row runs the captured feed SQL alone on one open ADO.NET connection, to separate database time from the app path.");
        Line();
        Line($"Load (the fastest sane path per provider: SQLite one transaction + one prepared INSERT with WAL and `synchronous=OFF`; "
            + $"PostgreSQL binary `COPY`; into the migrated tables with all their indexes):");
        Line();
        Line($"| provider | engine | migrations | project + environments | {options.Activities:N0} rows | rows/s | ANALYZE | database size |");
        Line($"|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var analyze = r.Name == "PostgreSQL" ? "VACUUM (ANALYZE)" : "ANALYZE";
            Line($"| {r.Name} | {r.Version} | {r.Migrate.TotalSeconds:F1} s | {r.Seed.TotalSeconds:F2} s | {r.Load.Rows.TotalSeconds:F1} s | "
                + $"{options.Activities / r.Load.Rows.TotalSeconds:N0} | {analyze} {r.Load.Analyze.TotalSeconds:F1} s | {r.Load.SizeBytes / 1024.0 / 1024.0:N0} MiB |");
        }

        Line();
        Line($"Latency of one call in milliseconds (target: p95 of the first snapshot page under {TargetP95Milliseconds:F0} ms):");
        Line();
        Line($"| provider | query | median | p95 | p99 | max | mean |");
        Line($"|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            foreach (var s in r.Stats)
            {
                Line($"| {r.Name} | {s.Query} | {s.Median:F2} | {s.P95:F2} | {s.P99:F2} | {s.Max:F2} | {s.Mean:F2} |");
            }
        }

        Line();
        foreach (var r in results)
        {
            Line($"- {r.Name}: machine load average {r.LoadAverage} (other processes share the 2 cores; a high load inflates p95/p99/max).");
        }

        foreach (var r in results)
        {
            var p95 = r.Stats.Single(s => s.Query == FeedBenchmark.FilteredPage1).P95;
            Line($"- {r.Name}: p95 of the first snapshot page {p95:F2} ms, {(p95 < TargetP95Milliseconds ? "within" : "OVER")} the {TargetP95Milliseconds:F0} ms target.");
        }

        foreach (var r in results)
        {
            Line();
            Line($"{r.Name}: the feed query as EF sends it, and its plan ({(r.Name == "PostgreSQL" ? "`EXPLAIN (ANALYZE, BUFFERS)`" : "`EXPLAIN QUERY PLAN`")}, parameters {r.FeedCommand.Describe()}):");
            Line();
            Line($"```sql");
            Line($"{r.FeedCommand.Sql.Trim()}");
            Line($"```");
            Line();
            Line($"```text");
            foreach (var line in r.FeedPlan)
            {
                Line($"{line}");
            }

            Line($"```");
        }

        return md.ToString();
    }

    /// <summary>Replaces the generated block in the file, or appends the section (a new file gets a title).</summary>
    public static void WriteDocs(string path, string generated) => WriteDocs(path, generated, Begin, End, Heading);

    /// <summary>
    /// Replaces the text between begin and end; when the markers are not there yet, inserts heading and block above the
    /// section headed <paramref name="before"/> if there is one, else appends them.
    /// </summary>
    public static void WriteDocs(string path, string generated, string begin, string end, string heading, string? before = null)
    {
        var block = begin + "\n" + generated + end + "\n";
        var text = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "# Benchmarks\n";
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var endAt = text.IndexOf(end, StringComparison.Ordinal);
        var above = before is null ? -1 : text.IndexOf("\n" + before + "\n", StringComparison.Ordinal);
        text = start >= 0 && endAt > start
            ? text[..start] + block + text[(endAt + end.Length)..].TrimStart('\n').Insert(0, "\n").TrimEnd('\n') + "\n"
            : above >= 0
                ? text[..(above + 1)] + heading + "\n\n" + block + "\n" + text[(above + 1)..]
                : text.TrimEnd('\n') + "\n\n" + heading + "\n\n" + block;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, text.Replace("\n\n\n", "\n\n", StringComparison.Ordinal));
    }

    /// <summary>When and on what a figure was measured: "Measured … UTC on N cores (CPU), RAM, OS, .NET, Release build".</summary>
    internal static string Measured() =>
        $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({CpuModel()}), {MemoryGiB()} GiB RAM, "
        + $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, Release build";

    /// <summary>
    /// Prints a mode's table and, when asked, writes its section of docs/benchmarks.md (or the given file), saying which and
    /// with what label when the run is not the one that may stand as the published figures.
    /// </summary>
    internal static void Publish(string table, bool writeDocs, string? docsPath, Action<string> write, string? notFullRun)
    {
        Console.WriteLine();
        Console.Write(table);
        if (writeDocs)
        {
            var path = docsPath ?? Path.Combine(Portal.Testing.RepositoryPaths.Root, "docs", "benchmarks.md");
            write(path);
            Console.WriteLine($"Updated {path}{(notFullRun is null ? "" : $" ({notFullRun})")}");
        }
    }

    /// <summary>The machine's 1-, 5- and 15-minute load averages, as /proc/loadavg gives them.</summary>
    internal static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    internal static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    internal static string MemoryGiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return (kib / 1024.0 / 1024.0).ToString("F0", CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
        {
            return "?";
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
