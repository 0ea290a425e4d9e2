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

    /// <summary>A server's address or connection string: PORTAL_BENCH_{name}, else the test servers' PORTAL_TEST_{name}.</summary>
    public static string? Server(string name) =>
        Environment.GetEnvironmentVariable("PORTAL_BENCH_" + name) is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable("PORTAL_TEST_" + name) is { Length: > 0 } test ? test : null;

    /// <summary>Whether every tool is on PATH; says which is missing and what to install otherwise.</summary>
    public static async Task<bool> ToolsAsync(string[] tools, string packages, CancellationToken cancellationToken)
    {
        foreach (var tool in tools)
        {
            if (await Shell.RunAsync($"command -v {tool}", null, cancellationToken, throwOnError: false) != 0)
            {
                Console.Error.WriteLine($"'{tool}' is not on PATH (Debian: apt-get install -y {packages}).");
                return false;
            }
        }

        return true;
    }
}
