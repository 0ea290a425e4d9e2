namespace Portal.Bench;

using System.Diagnostics;
using System.Globalization;

/// <summary>The tools the benchmarks compare with, run through bash with pipefail.</summary>
internal static class Shell
{
    /// <summary>Runs a bash script with pipefail; returns the exit code or throws with its stderr.</summary>
    public static async Task<int> RunAsync(string script, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken, bool throwOnError = true) =>
        (await RunForOutputAsync(script, environment, cancellationToken, throwOnError)).ExitCode;

    /// <summary>Runs a bash script with pipefail; returns its exit code and stdout, or throws with its stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunForOutputAsync(string script, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken, bool throwOnError = true)
    {
        var start = new ProcessStartInfo("bash", ["-c", "set -euo pipefail; " + script]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new InvalidOperationException($"`{script}` failed ({process.ExitCode}): {await stderr}{await stdout}");
        }

        return (process.ExitCode, await stdout);
    }

    /// <summary>
    /// Runs a tool's script and returns its wall time and the CPU-seconds (user + system) of everything it started, from
    /// bash's own <c>times</c> (the children's rusage), so no guess at which processes belonged to it.
    /// </summary>
    public static async Task<(double Seconds, double CpuSeconds)> TimeAsync(string script, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (_, output) = await RunForOutputAsync($"{{ {script}; }} >/dev/null; times", environment, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        // `times` prints the shell's user/system time, then its children's: "0m1.234s 0m0.567s".
        var children = output.TrimEnd().Split('\n')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (seconds, children.Sum(Duration));
    }

    public static string Q(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static double Duration(string text)
    {
        var minutes = text.IndexOf('m', StringComparison.Ordinal);
        return (int.Parse(text[..minutes], CultureInfo.InvariantCulture) * 60)
            + double.Parse(text[(minutes + 1)..].TrimEnd('s'), CultureInfo.InvariantCulture);
    }
}
