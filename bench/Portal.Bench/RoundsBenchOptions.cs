namespace Portal.Bench;

/// <summary>
/// What the modes that time Portal against a tool in rounds share (product, stores): the data's scale, the rounds, the seed,
/// the work folder and the report; each mode sets its own seed and usage.
/// </summary>
internal abstract record RoundsBenchOptions
{
    public double Scale { get; init; } = 1.0;
    public int Runs { get; init; } = 3;
    public int Seed { get; init; }
    public string? WorkPath { get; init; }
    public bool WriteDocs { get; init; }
    public string? DocsPath { get; init; }

    /// <summary>Only the full data in three rounds may stand as the published figures; anything else is labelled with its scale.</summary>
    public bool IsFullRun => Scale >= 1 && Runs >= 3;

    /// <summary>How the console says the docs were written by a run that is not the full one; null for the full run.</summary>
    public string? NotFullRun => IsFullRun ? null : $"labelled as a --scale {Scale} --runs {Runs} run";

    /// <summary>
    /// Runs the rounds one after another, saying which and when; says so if any could not drop the page cache. Returns the
    /// machine's load average before the first.
    /// </summary>
    public async Task<string> RunRoundsAsync(System.Diagnostics.Stopwatch clock, Func<int, Task> round, Func<bool> cold)
    {
        var loadBefore = Report.LoadAverage();
        for (var i = 0; i < Runs; i++)
        {
            Console.WriteLine($"Round {i + 1} of {Runs} ({clock.Elapsed.TotalSeconds:F0} s) ...");
            await round(i);
        }

        if (!cold())
        {
            Console.WriteLine("WARM CACHE: the page cache could not be dropped (not root?); every figure read warm files.");
        }

        return loadBefore;
    }

    /// <summary>The options after the mode's name, applied to that mode's defaults.</summary>
    protected static T Parse<T>(string[] args, T defaults)
        where T : RoundsBenchOptions =>
        BenchArguments.Parse(args, defaults, (options, option, value) => (T)(option switch
        {
            "--scale" => options with { Scale = BenchArguments.Scale(value()) },
            "--runs" => options with { Runs = BenchArguments.Positive(value(), option) },
            "--seed" => options with { Seed = BenchArguments.Seed(value()) },
            "--work" => options with { WorkPath = value() },
            "--docs" => options with { WriteDocs = true },
            "--docs-path" => options with { WriteDocs = true, DocsPath = value() },
            _ => throw BenchArguments.Unknown(option),
        }));
}
