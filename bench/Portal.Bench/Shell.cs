namespace Portal.Bench;

using System.Diagnostics;

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

    public static string Q(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

}
