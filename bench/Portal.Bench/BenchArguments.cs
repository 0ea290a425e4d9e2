namespace Portal.Bench;

using System.Globalization;

/// <summary>The command-line options the engine and product modes share, and their checks.</summary>
internal static class BenchArguments
{
    /// <summary>Applies each option after the mode's name in turn; the function it is given reads that option's value.</summary>
    public static T Parse<T>(string[] args, T options, Func<T, string, Func<string>, T> apply)
    {
        var i = 1;
        while (i < args.Length)
        {
            var name = args[i++];
            options = apply(options, name, () => i < args.Length ? args[i++] : throw new ArgumentException($"{name} needs a value."));
        }

        return options;
    }

    public static double Scale(string text) =>
        double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) is var s and > 0 and <= 10 ? s : throw new ArgumentException("--scale must be in (0, 10].");

    public static int Positive(string text, string option) =>
        int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var n and > 0 ? n : throw new ArgumentException($"{option} must be positive.");

    public static int Seed(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    public static Exception Unknown(string option) => new ArgumentException($"Unknown option '{option}'.");

    /// <summary>The MariaDB and Redis the benchmark uses, and the tools it compares with; null (having said what is missing) when one is not there.</summary>
    public static async Task<(string MariaDb, string Redis)?> ServersAndToolsAsync(string mode, string[] tools, string packages, CancellationToken cancellationToken)
    {
        var mariadb = Env("PORTAL_BENCH_MARIADB") ?? Env("PORTAL_TEST_MARIADB");
        var redis = Env("PORTAL_BENCH_REDIS") ?? Env("PORTAL_TEST_REDIS");
        if (mariadb is null || redis is null)
        {
            Console.Error.WriteLine($"The {mode} benchmark needs PORTAL_BENCH_MARIADB/PORTAL_TEST_MARIADB and PORTAL_BENCH_REDIS/PORTAL_TEST_REDIS (e.g. from `./build.sh servers`).");
            return null;
        }

        foreach (var tool in tools)
        {
            if (await Shell.RunAsync($"command -v {tool}", null, cancellationToken, throwOnError: false) != 0)
            {
                Console.Error.WriteLine($"'{tool}' is not on PATH (Debian: apt-get install -y {packages}).");
                return null;
            }
        }

        return (mariadb, redis);
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
