namespace Portal.Bench;

using System.Globalization;

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

    public static EngineBenchOptions Parse(string[] args)
    {
        var options = new EngineBenchOptions();
        for (var i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--scale" => options with
                {
                    Scale = double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture) is var s and > 0 and <= 10
                        ? s : throw new ArgumentException("--scale must be in (0, 10]."),
                },
                "--repeat" => options with
                {
                    Repeat = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) is var n and > 0 ? n : throw new ArgumentException("--repeat must be positive."),
                },
                "--seed" => options with { Seed = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) },
                "--work" => options with { WorkPath = Value() },
                "--docs" => options with { DocsPath = Value() },
                "--no-docs" => options with { WriteDocs = false },
                "--only" => options with
                {
                    Only = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is var areas && areas.All(a => Areas.Contains(a))
                        ? areas.ToHashSet() : throw new ArgumentException($"--only takes a comma-separated list of {string.Join(", ", Areas)}."),
                    WriteDocs = false,
                },
                var unknown => throw new ArgumentException($"Unknown option '{unknown}'."),
            };
        }

        return options;
    }
}
