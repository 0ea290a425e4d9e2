namespace Portal.Cli;

using System.Diagnostics;

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

    /// <summary>Shows the prompt on stderr and reads a line without echoing it (a token typed or pasted at a terminal).</summary>
    public Func<string, string?> ReadSecret { get; init; } = _ => null;

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

    private static string? ReadWithoutEcho(string prompt)
    {
        // Echo goes off before the prompt shows, so a token pasted the moment it appears is not echoed either.
        SetTerminalEcho(false);
        try
        {
            Console.Error.Write(prompt);
            return ReadKeysUntilEnter();
        }
        finally
        {
            SetTerminalEcho(true);
        }
    }

    private static void SetTerminalEcho(bool on)
    {
        try
        {
            using var stty = Process.Start(new ProcessStartInfo("stty", on ? "echo" : "-echo") { UseShellExecute = false });
            stty?.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No stty (Windows): Console.ReadKey below still hides each key as it is read.
        }
    }

    private static string? ReadKeysUntilEnter()
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
