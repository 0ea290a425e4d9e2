namespace Portal.Cli.Tests.Support;

/// <summary>The CLI's own code run in-process over strings, for what needs no server: argument checks, settings, exit codes.</summary>
internal static class InProcessCli
{
    public static async Task<CliResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? variables, string stdin, bool terminal, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole
        {
            Out = output,
            Error = error,
            In = new StringReader(stdin),
            InputIsTerminal = terminal,
            ErrorIsTerminal = terminal,
            Variable = name => variables is not null && variables.TryGetValue(name, out var value) ? value : null,
            CurrentDirectory = workingDirectory,
        };
        var code = await new CliApp(console, TimeProvider.System).RunAsync(args, TestContext.Current.CancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

/// <summary>What a run of the CLI left: its exit code, stdout and stderr.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
