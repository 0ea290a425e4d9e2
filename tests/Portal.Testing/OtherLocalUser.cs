namespace Portal.Testing;

using System.Diagnostics;
using System.Runtime.InteropServices;

/// <summary>
/// An unprivileged local account ("portal-outsider", created with useradd when missing) that tries to read files, as any other
/// user of the machine could. Needs root (to create the user and switch to it): fails under CI=true without it, skips elsewhere.
/// </summary>
public static class OtherLocalUser
{
    public const string Name = "portal-outsider";

    /// <summary>The paths the other user can open and read a byte of (each tried with its own process-free loop in one shell).</summary>
    public static async Task<IReadOnlyList<string>> ReadableAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        RequireRoot();
        var (uid, gid) = await EnsureAsync(cancellationToken);
        var (code, output, error) = await RunAsync("setpriv",
            [$"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--", "/bin/sh", "-c",
                "for f; do if head -c 1 -- \"$f\" > /dev/null 2>&1; then printf '%s\\n' \"$f\"; fi; done", "sh", .. paths],
            cancellationToken);
        Assert.True(code == 0, $"setpriv failed ({code}): {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static void RequireRoot()
    {
        if (GetEffectiveUserId() == 0)
        {
            return;
        }

        const string message = "This test needs root, to create a local user and read files as that user.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    private static async Task<(string Uid, string Gid)> EnsureAsync(CancellationToken cancellationToken)
    {
        if ((await RunAsync("id", ["-u", Name], cancellationToken)).Code != 0)
        {
            var (code, _, error) = await RunAsync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", Name], cancellationToken);
            // Another test process may have created it meanwhile (exit code 9: the user exists).
            Assert.True(code is 0 or 9, $"useradd {Name} failed ({code}): {error}");
        }

        return ((await RunAsync("id", ["-u", Name], cancellationToken)).Output.Trim(), (await RunAsync("id", ["-g", Name], cancellationToken)).Output.Trim());
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output, await error);
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}
