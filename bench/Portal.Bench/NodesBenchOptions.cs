namespace Portal.Bench;

using System.Globalization;

/// <summary>Options of the `nodes` benchmark: node counts, the workload queued through the API, where it enters, and the report.</summary>
internal sealed record NodesBenchOptions
{
    /// <summary>Where the API calls go: "spread" round-robins them over the nodes (a load balancer), "one" sends all to the first node.</summary>
    public static readonly string[] EntryKinds = ["spread", "one"];

    public IReadOnlyList<int> Nodes { get; init; } = [1, 2, 3];
    public int Activities { get; init; } = 300;
    public int Environments { get; init; } = 20;
    public int GapMilliseconds { get; init; } = 500;
    public IReadOnlyList<string> Entries { get; init; } = EntryKinds;

    /// <summary>Activities:PollMilliseconds for every node; null keeps Portal's default, as the published figures do.</summary>
    public int? PollMilliseconds { get; init; }

    // Differs from the engine, product and stores modes' seeds.
    public int Seed { get; init; } = 20_261_203;
    public string? WorkPath { get; init; }
    public bool WriteDocs { get; init; }
    public string? DocsPath { get; init; }

    /// <summary>Only the 1, 2 and 3 nodes, both entries, the full workload and Portal's own poll may stand as the published figures.</summary>
    public bool IsFullRun => Nodes.SequenceEqual([1, 2, 3]) && Entries.Count == EntryKinds.Length && Activities >= 300 && PollMilliseconds is null;

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Portal.Bench -- nodes [options]
          --nodes 1,2,3      (default 1,2,3: a run per count, each on a fresh PostgreSQL database and S3 prefix)
          --activities N     (default 300 timed snapshots, after 2 untimed ones per environment)
          --environments N   (default 20 tiny environments, 3 small files each)
          --gap MS           (default 500: mean time between two POSTs; exponential gaps, as independent users and cron jobs make them)
          --entry E          (spread, one or both (default): the API calls round-robin over the nodes, or all go to the first node)
          --poll MS          (Activities:PollMilliseconds of every node, to find what the latency depends on; default Portal's own)
          --seed N           (same seed, same schedule for every node count)
          --work PATH        (parent of the temp folder holding the environments, Portal's data folders and s3rver's data)
          --docs             (write the "Several nodes" section of docs/benchmarks.md; a run that is not the default one is labelled so)
          --docs-path P      (write it into P instead)
        Needs PORTAL_BENCH_POSTGRES or PORTAL_TEST_POSTGRES (e.g. from `./build.sh servers`), and node with s3rver 3.7.1 as
        build.sh installs it (the nodes share a store in a bucket of an s3rver the benchmark starts itself).
        """;

    public static NodesBenchOptions Parse(string[] args) => BenchArguments.Parse(args, new NodesBenchOptions(), (options, option, value) => option switch
    {
        "--nodes" => options with { Nodes = NodeCounts(value()) },
        "--activities" => options with { Activities = BenchArguments.Positive(value(), option) },
        "--environments" => options with { Environments = BenchArguments.Positive(value(), option) },
        "--gap" => options with { GapMilliseconds = BenchArguments.Positive(value(), option) },
        "--entry" => options with
        {
            Entries = value() switch
            {
                "both" => EntryKinds,
                var one when EntryKinds.Contains(one) => [one],
                var other => throw new ArgumentException($"--entry takes spread, one or both, not '{other}'."),
            },
        },
        "--poll" => options with { PollMilliseconds = BenchArguments.Positive(value(), option) is var poll and >= 100 ? poll : throw new ArgumentException("--poll must be at least 100 (Portal's lowest).") },
        "--seed" => options with { Seed = BenchArguments.Seed(value()) },
        "--work" => options with { WorkPath = value() },
        "--docs" => options with { WriteDocs = true },
        "--docs-path" => options with { WriteDocs = true, DocsPath = value() },
        _ => throw BenchArguments.Unknown(option),
    });

    private static int[] NodeCounts(string text)
    {
        var counts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 8 ? count : 0).ToArray();
        return counts.Length > 0 && counts.All(c => c > 0) ? counts : throw new ArgumentException($"--nodes takes a comma-separated list of node counts from 1 to 8, not '{text}'.");
    }
}
