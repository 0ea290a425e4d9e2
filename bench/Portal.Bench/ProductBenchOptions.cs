namespace Portal.Bench;

/// <summary>Options of the `product` benchmark: the shop's scale, rounds of alternating tool and Portal runs, and the report.</summary>
internal sealed record ProductBenchOptions : RoundsBenchOptions
{
    // Differs from the engine mode's seed (20,261,126), so Portal is measured on data its engine benchmark never saw.
    public const int DefaultSeed = 20_261_202;

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Portal.Bench -- product [options]
          --scale S      (default 1: the shop, ~1 GB in 12,500 files, 4 x 500,000 MariaDB rows, 100,000 Redis keys; 0.1 for a quick run)
          --runs N       (default 3; rounds of tool and Portal runs, alternating; each figure is the median)
          --seed N       (same seed, same data; the default differs from the engine mode's)
          --work PATH    (parent of the temp folder holding the data, Portal's data folders and the tools' output)
          --docs         (write the "Product path" section of docs/benchmarks.md; a run that is not --scale 1 --runs 3 is labelled so)
          --docs-path P  (write it into P instead)
          --only A,B     (measure only these areas: files, mariadb, redis, postgresql, environment; environment runs files too,
                         whose restored tree its check compares with; a partial run never writes the docs)
        Needs PORTAL_BENCH_MARIADB or PORTAL_TEST_MARIADB (e.g. from `./build.sh servers`) on this machine (Portal and mariadb-backup
        read its files); with PORTAL_BENCH_POSTGRES or PORTAL_TEST_POSTGRES also a PostgreSQL environment; starts its own redis-server (tests flush every database of the shared one) unless PORTAL_BENCH_REDIS names one;
        tar, zstd, restic, mariadb-backup and redis-server on PATH; and root to drop the page cache before each timed run (otherwise
        the output says "WARM CACHE").
        """;

    public static readonly string[] Areas = ["files", "mariadb", "redis", "postgresql", "environment"];

    /// <summary>Areas to measure; all when empty.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    public bool Measures(string area) => Only.Count == 0 || Only.Contains(area);

    public static ProductBenchOptions Parse(string[] args)
    {
        // --only is this mode's own; the options every rounds mode shares are parsed as they are everywhere.
        var at = Array.IndexOf(args, "--only");
        if (at < 0)
        {
            return Parse(args, new ProductBenchOptions { Seed = DefaultSeed });
        }

        var areas = at + 1 < args.Length ? args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        if (areas.Length == 0 || !areas.All(Areas.Contains))
        {
            throw new ArgumentException($"--only takes a comma-separated list of {string.Join(", ", Areas)}.");
        }

        var options = Parse([.. args[..at], .. args[(at + 2)..]], new ProductBenchOptions { Seed = DefaultSeed });
        if (options.WriteDocs)
        {
            throw new ArgumentException("--only measures part of the shop, which never stands as the published figures: drop --docs or --docs-path.");
        }

        return options with { Only = new HashSet<string>(areas.Contains("environment") ? [.. areas, "files"] : areas, StringComparer.Ordinal) };
    }
}
