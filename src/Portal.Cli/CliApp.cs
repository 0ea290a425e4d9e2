namespace Portal.Cli;

using System.CommandLine;

/// <summary>The <c>portal</c> command line: its commands, and one place that turns a failure into a message and an exit code.</summary>
internal sealed class CliApp
{
    private readonly CliConsole _console;
    private readonly TimeProvider _time;
    private readonly GlobalOptions _options = new();

    public CliApp(CliConsole console, TimeProvider time)
    {
        _console = console;
        _time = time;
        Root = new RootCommand(
            "portal: create, list and restore Portal snapshots from a terminal, a script or cron.\n"
            + "Without -p and -e, the project comes from .portal/local/project.yaml (id: <project>) in the current folder or above, "
            + "and the environment from the git branch checked out there. Data goes to stdout, messages to stderr.\n"
            + ExitCodes.Summary);
        _options.AddTo(Root);
        foreach (var command in SnapshotCommands.Build(this).Concat(ActivityCommands.Build(this)).Concat(AuthCommands.Build(this))
            .Concat(DirectoryCommands.Build(this)).Concat(ScheduleCommands.Build(this)).Concat(AlertCommands.Build(this)))
        {
            Root.Subcommands.Add(command);
        }
    }

    /// <summary>What a shell reports for a command stopped by Ctrl+C (128 + SIGINT).</summary>
    private const int Interrupted = 130;

    public RootCommand Root { get; }

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var parse = Root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors)
            {
                _console.Error.WriteLine(error.Message);
            }

            _console.Error.WriteLine("Run portal --help for the commands and options.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = _console.Out, Error = _console.Error }, cancellationToken);
    }

    /// <summary>A command's action: the work, with a <see cref="CliException"/> becoming its message on stderr and its exit code.</summary>
    public void SetAction(Command command, Func<Session, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(new Session(_console, parse, _options, _time), cancellationToken);
            }
            catch (CliException e)
            {
                _console.Error.WriteLine(e.Message);
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _console.Error.WriteLine();
                _console.Error.WriteLine("Interrupted. What was already queued goes on in Portal: see portal activity:list.");
                return Interrupted;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _console.Error.WriteLine($"portal: unexpected error: {e.Message}");
                return ExitCodes.Error;
            }
        });

    /// <summary>The --format option of the commands that print data.</summary>
    public static Option<string> FormatOption() => new Option<string>("--format")
    {
        Description = "table (default), json, csv, or plain (tab-separated, no header)",
        DefaultValueFactory = _ => "table",
    }.AcceptOnlyFromAmong(Output.FormatNames);
}
