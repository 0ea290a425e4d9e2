namespace Portal.Cli;

/// <summary>
/// The tool's view of its surroundings: streams, whether a person is at a terminal, environment variables and the current
/// folder. The real one wraps <see cref="Console"/>; tests build one over strings to check parsing and output in-process.
/// </summary>
internal sealed class CliConsole
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required TextReader In { get; init; }

    /// <summary>Whether stdin is a terminal, so a question can be asked and answered.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Whether stderr is a terminal, so a progress bar can redraw itself in place.</summary>
    public bool ErrorIsTerminal { get; init; }

    public required Func<string, string?> Variable { get; init; }

    public required string CurrentDirectory { get; init; }

    /// <summary>Reads a line without echoing it (a token typed at a terminal).</summary>
    public Func<string?> ReadSecret { get; init; } = () => null;

    public static CliConsole System() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        In = Console.In,
        InputIsTerminal = !Console.IsInputRedirected,
        ErrorIsTerminal = !Console.IsErrorRedirected,
        Variable = Environment.GetEnvironmentVariable,
        CurrentDirectory = Environment.CurrentDirectory,
        ReadSecret = ReadWithoutEcho,
    };

    private static string? ReadWithoutEcho()
    {
        var line = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.Error.WriteLine();
                    return line.ToString();
                case ConsoleKey.Backspace when line.Length > 0:
                    line.Length--;
                    break;
                default:
                    if (key.KeyChar == '\u0004' && line.Length == 0)
                    {
                        return null; // Ctrl+D on an empty line: nothing typed.
                    }

                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Append(key.KeyChar);
                    }

                    break;
            }
        }
    }
}
