namespace Portal.Bench;

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using static Portal.Bench.StoresRunner;

/// <summary>One line of the stores table: a side's median time for an operation, its rate and CPU, and its ratio to the filesystem store.</summary>
internal sealed record StoresRow(string Side, string Operation, double Seconds, double MegabytesPerSecond, double CpuSeconds, double ServerCpuSeconds, double VersusFilesystem);

/// <summary>A ratio the issue asks for, with its target where it sets one.</summary>
internal sealed record StoresRatio(string What, double Ratio, double? AtMost)
{
    public bool? Met => AtMost is { } most ? Ratio <= most : null;
}

/// <summary>The stores mode's console table and its "S3 store" section of docs/benchmarks.md.</summary>
internal static class StoresReport
{
    /// <summary>The issue's target: the S3 store within 1.5x of the filesystem store's time against a local S3 server.</summary>
    public const double TargetRatio = 1.5;

    public const string Heading = "## S3 store against the filesystem store and restic";
    private const string Begin = "<!-- bench:stores:begin (written by bench/Portal.Bench stores; notes outside these markers are kept) -->";
    private const string End = "<!-- bench:stores:end -->";

    public static IReadOnlyList<StoresRow> Rows(StoresResult r) =>
    [
        .. new[] { Snapshot, Restore }.SelectMany(operation => Sides.Select(side =>
        {
            var samples = r.Samples[(side, operation)];
            var seconds = Median(samples, s => s.Seconds);
            return new StoresRow(side, operation, seconds, r.FileBytes / 1e6 / seconds, Median(samples, s => s.CpuSeconds), Median(samples, s => s.ServerCpuSeconds),
                seconds / Median(r.Samples[(Filesystem, operation)], s => s.Seconds));
        })),
    ];

    public static IReadOnlyList<StoresRatio> Ratios(StoresResult r)
    {
        double T(string side, string operation) => Median(r.Samples[(side, operation)], s => s.Seconds);
        return
        [
            new($"{Snapshot}: S3 store (http) / filesystem store", T(S3, Snapshot) / T(Filesystem, Snapshot), TargetRatio),
            new($"{Restore}: S3 store (http) / filesystem store", T(S3, Restore) / T(Filesystem, Restore), TargetRatio),
            new($"{Snapshot}: Portal S3 (https) / restic S3 (https)", T(S3Tls, Snapshot) / T(Restic, Snapshot), null),
            new($"{Restore}: Portal S3 (https) / restic S3 (https)", T(S3Tls, Restore) / T(Restic, Restore), null),
            new($"{Snapshot}: S3 store https / http", T(S3Tls, Snapshot) / T(S3, Snapshot), null),
            new($"{Restore}: S3 store https / http", T(S3Tls, Restore) / T(S3, Restore), null),
        ];
    }

    public static string Table(StoresResult r)
    {
        var text = new StringBuilder();
        text.AppendLine(Describe(r));
        text.AppendLine(CultureInfo.InvariantCulture, $"{"side",-32} {"operation",-9} {"wall",8} {"MB/s",7} {"CPU-s",7} {"s3rver",7} {"vs fs",7}");
        foreach (var row in Rows(r))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{row.Side,-32} {row.Operation,-9} {row.Seconds,7:F2}s {row.MegabytesPerSecond,7:F1} {row.CpuSeconds,7:F2} {Number(row.ServerCpuSeconds),7} {row.VersusFilesystem,6:F2}x");
        }

        text.AppendLine();
        foreach (var ratio in Ratios(r))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{ratio.What,-52} {ratio.Ratio,6:F2}x  {Target(ratio)} {Verdict(ratio, "NOT met")}");
        }

        return text.ToString();
    }

    public static void WriteDocs(string path, StoresResult r) => Report.WriteDocs(path, Markdown(r), Begin, End, Heading, EngineBenchmark.Heading);

    private static string Markdown(StoresResult r)
    {
        var o = r.Options;
        var md = new StringBuilder();
        void Line(string line = "") => md.Append(line).Append('\n');
        if (!o.IsFullRun)
        {
            Line($"**A scaled run (`--scale {o.Scale} --runs {o.Runs}`), not the published figures: those are `--scale 1 --runs 3`.**");
            Line();
        }

        Line(Report.Measured() + $"; {r.Restic}; s3rver 3.7.1 on Node.js; --scale {o.Scale} --runs {o.Runs} "
            + $"(each figure the median of {o.Runs} round{(o.Runs == 1 ? "" : "s")}); machine load average {r.LoadBefore} before, {r.LoadAfter} after.");
        Line();
        Line("```bash");
        Line("./build.sh servers   # once, to install s3rver (the benchmark starts its own); as root, so the page cache can be dropped");
        Line($"dotnet run -c Release --project bench/Portal.Bench -- stores --scale {o.Scale} --runs {o.Runs} --docs");
        Line("```");
        Line();
        Line(Describe(r));
        Line();
        Line("| side | operation | wall | MB/s | CPU-s (Portal or restic) | s3rver CPU-s | time / filesystem store |");
        Line("|---|---|---:|---:|---:|---:|---:|");
        foreach (var row in Rows(r))
        {
            Line($"| {row.Side} | {row.Operation} | {row.Seconds:F2} s | {row.MegabytesPerSecond:F1} | {row.CpuSeconds:F2} | {Number(row.ServerCpuSeconds)} | {row.VersusFilesystem:F2}x |");
        }

        Line();
        Line("| ratio of times | ratio | target | met |");
        Line("|---|---:|---|---|");
        foreach (var ratio in Ratios(r))
        {
            Line($"| {ratio.What} | {ratio.Ratio:F2}x | {Target(ratio)} | {Verdict(ratio, "**not met**")} |");
        }

        return md.ToString();
    }

    private static string Describe(StoresResult r) =>
        (r.ColdCache
            ? "Page cache dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`) before every timed run. "
            : "**WARM CACHE: the page cache could not be dropped (not root), every figure read warm files.** ")
        + $"Data (seed {r.Options.Seed}, not another mode's): one mount of {r.FileCount:N0} files, {r.FileBytes / 1e6:N0} MB ({r.Shape.MediaFiles:N0} media files of 50-550 KB, "
        + $"70 % of them random bytes; {r.Shape.VarFiles:N0} var/ text files of 1-39 KB); MB/s is those bytes over the wall time. Stored by a snapshot: "
        + $"Portal {r.StoredBytes[Filesystem] / 1e6:N0} MB (zstd; {r.StoredBytes[S3] / 1e6:N0} and {r.StoredBytes[S3Tls] / 1e6:N0} MB in the S3 stores), "
        + $"restic {r.StoredBytes[Restic] / 1e6:N0} MB (restic 0.14 does not compress; random bytes do not shrink). "
        + "Each round starts three fresh Portals (Release build of src/Portal.Web, `dotnet Portal.Web.dll`, Development for its local sign-in, SQLite, "
        + "their own data folders), each with an empty store: the filesystem store (the default), and the S3 store (`Engine:StoreKind=S3`, a prefix of a bucket, "
        + "Portal's defaults: objects up to 1 MiB packed into 16 MiB packs, part size 16 MiB, parallelism 4) on an s3rver over http and on one over https (a self-signed certificate, trusted by that Portal "
        + "through `AWS_CA_BUNDLE`, which the AWS SDK prefers to the system's roots); both s3rvers are the benchmark's own, on 127.0.0.1, their data on the same disk. restic backs up into a new repository "
        + "on the https s3rver (`restic -r s3:https://127.0.0.1:PORT/portal-bench/restic-N` with `--cacert`; over http its S3 client signs uploads as "
        + "aws-chunked streams, which s3rver stores as the object, framing included, so the repository cannot be read back), and restores into an empty folder, "
        + "then `sync -f`. Portal is driven only through its REST API, signed in as the declared admin: a snapshot is timed from its POST to the "
        + "`completed_at` Portal recorded, a restore (in place, no safety snapshot) likewise; each Portal first takes and restores two snapshots of a "
        + "warm-up environment of the same shape and size with other content (seed + 1), untimed, then waits until its CPU is quiet, so the timed runs do "
        + "not pay for compiling code a Portal in service has long compiled (with an 80-file warm-up ~1,100 methods were still compiled during the timed "
        + "S3 snapshot). No timed restore starts within 65 s of a tree of files being deleted (the last restore's swapped-out tree, restic's target, the "
        + "warm-up's): ext4 passes over every inode freed in the last minute when it allocates one, which cost the side that came next ~1 CPU-s in a "
        + "perf profile. The four sides take turns in a rotating order (round 1: restic, filesystem, S3 http, S3 https; each round "
        + "starts one further along). After each restore the tree is compared byte for byte (SHA-256 of every file) with the generated one, and Portal's "
        + "background delete of the swapped-out tree is waited for, untimed. CPU-s: the Portal process's or restic's own (utime + stime), and the s3rver's "
        + "across the same run; both s3rvers run on the same 2 cores as everything else.";

    private static double Median(List<StoreSample> samples, Func<StoreSample, double> value) => Stats.MedianOf(samples.Select(value));

    private static string Target(StoresRatio ratio) => ratio.AtMost is { } most ? $"<= {most:0.0#}x" : "(information)";

    private static string Verdict(StoresRatio ratio, string notMet) => ratio.Met switch { null => "-", true => "met", false => notMet };

    private static string Number(double value) => double.IsNaN(value) ? "-" : value.ToString("F2", CultureInfo.InvariantCulture);
}
