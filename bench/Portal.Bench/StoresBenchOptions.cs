namespace Portal.Bench;

/// <summary>Options of the `stores` benchmark: the size of the mount, rounds of alternating runs, and the report.</summary>
internal sealed record StoresBenchOptions : RoundsBenchOptions
{
    // Differs from the engine (20,261,126), product (20,261,202) and nodes (20,261,203) modes' seeds: data no other benchmark measured.
    public const int DefaultSeed = 20_261_204;

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Portal.Bench -- stores [options]
          --scale S      (default 1: one mount of ~400 MB in 3,200 files, 1,200 media files 70 % random bytes and 2,000 var/ text files; 0.1 for a quick run)
          --runs N       (default 3; rounds in which restic and the three Portals take turns, in a rotating order; each figure is the median)
          --seed N       (same seed, same data; the default differs from every other mode's)
          --work PATH    (parent of the temp folder holding the data, Portal's data folders, s3rver's data and restic's restores)
          --docs         (write the "S3 store" section of docs/benchmarks.md; a run that is not --scale 1 --runs 3 is labelled so)
          --docs-path P  (write it into P instead)
        Needs node with s3rver 3.7.1 as build.sh installs it (the benchmark starts two s3rvers of its own: http, and https for restic,
        whose S3 client signs its uploads in a streaming format s3rver would store as the object over plain http), openssl, and restic
        0.14 on PATH (Debian: apt-get install -y restic); and root to drop the page cache before each timed run (otherwise the output
        says "WARM CACHE").
        """;

    public static StoresBenchOptions Parse(string[] args) => Parse(args, new StoresBenchOptions { Seed = DefaultSeed });
}
