namespace Portal.Cli.Tests.Support;

using System.Diagnostics;
using System.Text;

/// <summary>
/// The built tool (src/Portal.Cli's portal.dll) run as a user's shell runs it: a child process in a chosen folder, with its
/// own HOME and XDG_CONFIG_HOME (so no real config is read or written) and stdin redirected, so it has no terminal.
/// </summary>
public sealed class CliProcess(string home)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Variables every run gets (PORTAL_URL, PORTAL_TOKEN…); a run's own override them.</summary>
    public Dictionary<string, string?> Variables { get; } = new(StringComparer.Ordinal);

    public string ConfigPath => Path.Combine(home, "config", "portal", "config.json");

    public static string Dll
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory);
            var dll = RepositoryPaths.Of("src", "Portal.Cli", "bin", output.Parent!.Name, output.Name, "portal.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build src/Portal.Cli.");
        }
    }

    public Task<CliResult> RunAsync(string workingDirectory, params string[] args) => RunAsync(workingDirectory, stdin: "", variables: null, args);

    public Task<CliResult> RunAsync(string workingDirectory, string stdin, IReadOnlyDictionary<string, string?>? variables, params string[] args) =>
        RunProcessAsync("dotnet", [Dll, .. args], workingDirectory, stdin, variables, answerAfter: null);

    /// <summary>
    /// Runs the tool on a pseudo-terminal (util-linux <c>script</c>), as a person at a terminal runs it: stdin and stderr
    /// are terminals, so the tool draws its live bar and may ask; stdout and stderr arrive mixed, as a terminal shows them.
    /// The input is typed once the output shows <paramref name="answerAfter"/>, as a person answers a question they see.
    /// </summary>
    public Task<CliResult> RunAtTerminalAsync(string workingDirectory, string stdin, string answerAfter, params string[] args)
    {
        var command = string.Join(' ', new[] { "dotnet", Dll }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        return RunProcessAsync("script", ["-qec", command, "/dev/null"], workingDirectory, stdin, variables: null, answerAfter);
    }

    private async Task<CliResult> RunProcessAsync(
        string program, string[] args, string workingDirectory, string stdin, IReadOnlyDictionary<string, string?>? variables, string? answerAfter)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("PORTAL_URL");
        start.Environment.Remove("PORTAL_TOKEN");
        start.Environment["HOME"] = home;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
        foreach (var (name, value) in Variables.Concat(variables ?? new Dictionary<string, string?>()))
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(RunTimeout);
        var output = new StringBuilder();
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (answerAfter is null)
        {
            answered.SetResult();
        }

        var reading = ReadAllAsync(process.StandardOutput, output, answerAfter, answered, timeout.Token);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await Task.WhenAny(answered.Task, process.WaitForExitAsync(timeout.Token));
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            await reading;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"portal {string.Join(' ', args)} did not end within {RunTimeout.TotalMinutes:0} minutes.");
        }

        return new CliResult(process.ExitCode, output.ToString(), await error);
    }

    private static async Task ReadAllAsync(StreamReader reader, StringBuilder output, string? answerAfter, TaskCompletionSource answered, CancellationToken cancellationToken)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            output.Append(buffer, 0, read);
            if (answerAfter is not null && output.ToString().Contains(answerAfter, StringComparison.Ordinal))
            {
                answered.TrySetResult();
            }
        }
    }
}
