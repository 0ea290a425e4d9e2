namespace Portal.Bench;

/// <summary>Options of the `engine` benchmark: the data set's scale, repetitions per measurement, and where the report goes.</summary>
internal sealed record EngineBenchOptions
{
    public double Scale { get; init; } = 1.0;
    public int Repeat { get; init; } = 3;
    public int Seed { get; init; } = 20_261_126;
    public string? WorkPath { get; init; }
    public string? DocsPath { get; init; }
    public bool WriteDocs { get; init; } = true;

    /// <summary>Areas to measure (files, mariadb, redis, environment); all when empty. A partial run never writes the docs.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    public static readonly string[] Areas = ["files", "mariadb", "redis", "environment"];

    public bool Runs(string area) => Only.Count == 0 || Only.Contains(area);

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Portal.Bench -- engine [options]
          --scale S      (default 1: ~1.8 GB of files in ~15,000 files, 8 x 1,000,000 MariaDB rows, 200,000 Redis keys)
          --repeat N     (default 3; each figure is the median of N runs)
          --seed N       (same seed, same data)
          --work PATH    (parent of the temp folder holding data, stores and dumps; default the system temp folder)
          --docs PATH    (default docs/benchmarks.md in the repository)
          --no-docs      (print only)
          --only A,B     (measure only these areas: files, mariadb, redis, environment; never writes the docs)
        Needs PORTAL_BENCH_MARIADB or PORTAL_TEST_MARIADB, PORTAL_BENCH_REDIS or PORTAL_TEST_REDIS (e.g. from `./build.sh servers`),
        and tar, zstd, restic, mariadb-dump and mariadb on PATH.
        """;

    public static EngineBenchOptions Parse(string[] args) => BenchArguments.Parse(args, new EngineBenchOptions(), (options, option, value) => option switch
    {
        "--scale" => options with { Scale = BenchArguments.Scale(value()) },
        "--repeat" => options with { Repeat = BenchArguments.Positive(value(), option) },
        "--seed" => options with { Seed = BenchArguments.Seed(value()) },
        "--work" => options with { WorkPath = value() },
        "--docs" => options with { DocsPath = value() },
        "--no-docs" => options with { WriteDocs = false },
        "--only" => options with
        {
            Only = value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is var areas && areas.All(a => Areas.Contains(a))
                ? areas.ToHashSet() : throw new ArgumentException($"--only takes a comma-separated list of {string.Join(", ", Areas)}."),
            WriteDocs = false,
        },
        _ => throw BenchArguments.Unknown(option),
    });
}
