namespace Portal.Infrastructure.Snapshots;

using System.Diagnostics;
using Portal.Infrastructure.Activities;

/// <summary>Runs an environment's pre/post snapshot command (e.g. maintenance mode on/off) through the shell, into the activity log.</summary>
internal static class EnvironmentCommands
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>Returns null on success, else why it failed.</summary>
    public static async Task<string?> RunAsync(string? command, string label, ActivityRun run, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(command))
        {
            return null;
        }

        run.Log($"{label}: {command}");
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo("/bin/sh", ["-c", command])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) run.Log($"  {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) run.Log($"  {e.Data}"); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return cancellationToken.IsCancellationRequested ? $"{label} was stopped" : $"{label} did not finish within {Timeout.TotalMinutes:0} minutes";
        }

        return process.ExitCode == 0 ? null : $"{label} exited with code {process.ExitCode}";
    }
}
