namespace Portal.Bench;

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

/// <summary>The nodes mode's console table and its "Several nodes" section of docs/benchmarks.md.</summary>
internal static class NodesReport
{
    /// <summary>The issue's target: p95 of the claim-to-start latency under 200 ms.</summary>
    public const double TargetMilliseconds = 200;

    public const string Heading = "## Several nodes: claim-to-start latency";
    private const string Begin = "<!-- bench:nodes:begin (written by bench/Portal.Bench nodes; notes outside these markers are kept) -->";
    private const string End = "<!-- bench:nodes:end -->";

    /// <summary>Latency of the activities that found a node with a free slot: the claim path itself, which the target is about.</summary>
    public static Stats Claim(NodesRun run) => Of("claim", run.Waits.Where(w => !w.WaitedForCapacity));

    /// <summary>Latency of every measured activity, capacity waits included.</summary>
    public static Stats All(NodesRun run) => Of("all", run.Waits);

    public static bool Met(NodesRun run) => Claim(run).P95 < TargetMilliseconds;

    /// <summary>A run's figures on one line, for the console as each run ends.</summary>
    public static string Line(NodesRun run)
    {
        var claim = Claim(run);
        return $"{claim.Count} of {run.Waits.Count} with a free slot: p50 {claim.Median:F1} ms, p95 {claim.P95:F1} ms, p99 {claim.P99:F1} ms, max {claim.Max:F1} ms; "
            + $"all {run.Waits.Count}: p95 {All(run).P95:F1} ms; ran on {RunBy(run)}; {run.Seconds:F0} s; load {run.LoadBefore} -> {run.LoadAfter}";
    }

    public static string Table(NodesResult r)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"nodes",5} {"API calls to",-20} {"free slot",9} {"p50",7} {"p95",7} {"p99",7} {"max",8} {"all p95",8}  target p95 < {TargetMilliseconds:F0} ms");
        foreach (var run in r.Runs)
        {
            var (claim, all) = (Claim(run), All(run));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{run.Nodes,5} {EntryName(run),-20} {claim.Count,4}/{run.Waits.Count,-4} {claim.Median,7:F1} {claim.P95,7:F1} {claim.P99,7:F1} {claim.Max,8:F1} {all.P95,8:F1}  {(Met(run) ? "met" : "NOT met")}");
        }

        text.AppendLine();
        text.Append(Slowest(r));
        return text.ToString();
    }

    public static void WriteDocs(string path, NodesResult r) => Report.WriteDocs(path, Markdown(r), Begin, End, Heading, EngineBenchmark.Heading);

    private static string Markdown(NodesResult r)
    {
        var o = r.Options;
        var md = new StringBuilder();
        void Line(string line = "") => md.Append(line).Append('\n');
        if (!o.IsFullRun)
        {
            Line($"**Not the default run (`{Arguments(o)}`): the published figures are `nodes` with no options.**");
            Line();
        }

        Line(Report.Measured() + $"; {r.PostgresVersion}; s3rver 3.7.1.");
        Line();
        Line("```bash");
        Line("eval \"$(./build.sh servers)\"   # PostgreSQL, and s3rver installed (the benchmark starts an s3rver of its own)");
        Line($"dotnet run -c Release --project bench/Portal.Bench -- nodes{(o.IsFullRun ? "" : " " + Arguments(o))} --docs");
        Line("```");
        Line();
        Line(Describe(r));
        Line();
        Line($"Claim-to-start latency in milliseconds (target: p95 under {TargetMilliseconds:F0} ms), over the activities that found a node with a free slot; "
            + "the last columns count every activity, waits for a free slot included:");
        Line();
        Line("| nodes | API calls to | with a free slot | p50 | p95 | p99 | max | target | all activities: p95 | max | ran on | load average before / after |");
        Line("|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---|---|");
        foreach (var run in r.Runs)
        {
            var (claim, all) = (Claim(run), All(run));
            Line($"| {run.Nodes} | {EntryName(run)} | {claim.Count} of {run.Waits.Count} | {claim.Median:F1} | {claim.P95:F1} | {claim.P99:F1} | {claim.Max:F1} | "
                + $"{(Met(run) ? "met" : "**not met**")} | {all.P95:F1} | {all.Max:F1} | {RunBy(run)} | {run.LoadBefore} / {run.LoadAfter} |");
        }

        Line();
        Line("The same activities by how they became runnable (with a free slot only):");
        Line();
        Line("| nodes | API calls to | at creation: n | p50 | p95 | max | behind another of its environment: n | p50 | p95 | max |");
        Line("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in r.Runs)
        {
            var free = run.Waits.Where(w => !w.WaitedForCapacity).ToList();
            Line($"| {run.Nodes} | {EntryName(run)} | {Cells(free.Where(w => !w.Behind))} | {Cells(free.Where(w => w.Behind))} |");
        }

        Line();
        Line("<details><summary>The slowest five of each run that found a free slot</summary>");
        Line();
        Line("```text");
        Line(Slowest(r).TrimEnd());
        Line("```");
        Line();
        Line("</details>");
        return md.ToString();
    }

    private static string Describe(NodesResult r)
    {
        var o = r.Options;
        return $"Each run starts the given number of Portal processes (Release build of src/Portal.Web, `dotnet Portal.Web.dll`, Development for its local sign-in) "
            + $"on a fresh PostgreSQL database, all with one S3 store (a prefix of a bucket on an s3rver of the benchmark's own, over http) and their own data folders, "
            + $"`Activities:NodeId` node-1…node-N and `Activities:MaxParallelEnvironments` {NodesBenchmark.SlotsPerNode} (Portal's default); "
            + (o.PollMilliseconds is { } poll ? $"`Activities:PollMilliseconds` {poll}; " : "every other setting Portal's default (`Activities:PollMilliseconds` 5000); ")
            + $"the first node migrates the database, the others start together. One project declares {o.Environments} tiny environments (one mount of three ~1 KB files). "
            + $"Untimed, two snapshots of every environment go through the nodes in turn, so each node has compiled its paths. Then {o.Activities} snapshots are POSTed "
            + $"(`/api/projects/…/snapshots`, signed in as the declared admin, session cookie + X-Requested-With) at moments with exponential gaps of mean {o.GapMilliseconds} ms "
            + $"(seed {o.Seed}; the same schedule for every run), each in an environment drawn at random, to every node in turn or to the first node only. "
            + "Once all are complete, every activity is read back through the API; the node that ran each one is the one whose log says it ended there. "
            + "An activity's latency is its recorded `started_at` minus the moment it became runnable: its `created_at`, or, when it queued behind an earlier activity "
            + "of its environment, that activity's `completed_at` (Portal runs one activity per environment at a time, first in, first out); all three are stamped by "
            + "the nodes on one machine's clock. An activity that became runnable when the nodes' free slots (each node runs at most "
            + $"{NodesBenchmark.SlotsPerNode} at a time) were no more than the older activities already runnable and waiting, which Portal claims first, "
            + "waited for capacity, not for the claim: it counts only under \"all activities\". Percentiles are nearest-rank.";
    }

    private static string Slowest(NodesResult r)
    {
        var text = new StringBuilder();
        foreach (var run in r.Runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{run.Nodes} node{(run.Nodes == 1 ? "" : "s")}{(run.Nodes == 1 ? "" : ", API calls to " + EntryName(run))}:");
            // The slowest of those the target is about: a free slot, yet a wait.
            foreach (var wait in run.Waits.Where(w => !w.WaitedForCapacity).OrderByDescending(w => w.Milliseconds).Take(5))
            {
                var a = wait.Activity;
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {wait.Milliseconds,8:F1} ms  {a.Id} on {a.Environment}, ran on {a.Node}: created {a.CreatedAt:HH:mm:ss.fff}, runnable {wait.Runnable:HH:mm:ss.fff}"
                    + $"{(wait.Behind ? " (behind another)" : "")}, started {a.StartedAt:HH:mm:ss.fff}, completed {a.CompletedAt:HH:mm:ss.fff}");
            }
        }

        return text.ToString();
    }

    private static string Cells(IEnumerable<ClaimWait> waits)
    {
        var list = waits.ToList();
        if (list.Count == 0)
        {
            return "0 | - | - | -";
        }

        var stats = Of("", list);
        return $"{stats.Count} | {stats.Median:F1} | {stats.P95:F1} | {stats.Max:F1}";
    }

    private static Stats Of(string name, IEnumerable<ClaimWait> waits) => waits.Select(w => w.Milliseconds).ToArray() is { Length: > 0 } samples
        ? Stats.Of(name, samples)
        : new Stats(name, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    private static string EntryName(NodesRun run) => run.Nodes == 1 ? "its one node" : NodesBenchmark.Entry(run.Entry);

    private static string RunBy(NodesRun run) => string.Join(", ", run.RunBy.Select(n => $"{n.Key} {n.Value}"));

    private static string Arguments(NodesBenchOptions o) =>
        $"--nodes {string.Join(',', o.Nodes)} --activities {o.Activities} --environments {o.Environments} --gap {o.GapMilliseconds} "
        + $"--entry {(o.Entries.Count == NodesBenchOptions.EntryKinds.Length ? "both" : o.Entries[0])}{(o.PollMilliseconds is { } poll ? $" --poll {poll}" : "")}";
}
