namespace Portal.Bench;

using System.Globalization;

internal sealed record BenchOptions
{
    public IReadOnlyList<string> Providers { get; init; } = ["sqlite", "postgresql"];
    public int Activities { get; init; } = 1_000_000;
    public int Environments { get; init; } = 200;
    public int Iterations { get; init; } = 500;
    public int Warmup { get; init; } = 100;
    public int Seed { get; init; } = 20_261_126;
    public string? DocsPath { get; init; }
    public bool WriteDocs { get; init; } = true;

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Portal.Bench -- feed [options]
          --provider sqlite|postgresql|both   (default both; PostgreSQL needs PORTAL_BENCH_POSTGRES or PORTAL_TEST_POSTGRES)
          --activities N                      (default 1000000)
          --environments N                    (default 200)
          --iterations N                      (default 500, timed calls per query shape)
          --warmup N                          (default 100, untimed calls per query shape first)
          --seed N                            (same seed, same data)
          --docs PATH                         (default docs/benchmarks.md in the repository)
          --no-docs                           (print only)
        """;

    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] != "feed")
        {
            throw new ArgumentException("Benchmarks: 'feed', 'engine', 'product', 'nodes' and 'stores'.");
        }

        var options = new BenchOptions();
        for (var i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) is var n and > 0
                ? n : throw new ArgumentException($"{args[i - 1]} must be positive.");
            options = args[i] switch
            {
                "--provider" => options with
                {
                    Providers = Value().ToLowerInvariant() switch
                    {
                        "both" => ["sqlite", "postgresql"],
                        "sqlite" => ["sqlite"],
                        "postgresql" or "postgres" => ["postgresql"],
                        var other => throw new ArgumentException($"Unknown provider '{other}'."),
                    },
                },
                "--activities" => options with { Activities = Number() },
                "--environments" => options with { Environments = Number() },
                "--iterations" => options with { Iterations = Number() },
                "--warmup" => options with { Warmup = Number() },
                "--seed" => options with { Seed = Number() },
                "--docs" => options with { DocsPath = Value() },
                "--no-docs" => options with { WriteDocs = false },
                var unknown => throw new ArgumentException($"Unknown option '{unknown}'."),
            };
        }

        return options;
    }
}
