namespace Portal.Cli;

using System.Globalization;
using Portal.Contracts;

/// <summary>
/// Shows a running activity on stderr: at a terminal, one bar redrawn in place with percent and ETA; otherwise (cron, CI
/// logs) one plain line per change of state or percent.
/// </summary>
internal sealed class ProgressBar(TextWriter error, bool terminal, TimeProvider time) : IActivityObserver, IDisposable
{
    private const int Width = 30;
    private long? _runningSince;
    private string? _state;
    private int _percent = -1;
    private bool _drawn;

    public void Progress(string state, int percent)
    {
        if (state == ActivityStates.InProgress && _runningSince is null)
        {
            _runningSince = time.GetTimestamp();
        }

        if (state == _state && percent == _percent)
        {
            return;
        }

        _state = state;
        _percent = percent;
        var eta = Eta(_runningSince is { } since ? time.GetElapsedTime(since) : TimeSpan.Zero, percent);
        var text = state == ActivityStates.Pending
            ? string.Create(CultureInfo.InvariantCulture, $"{percent,3}%  waiting for the environment's earlier activities")
            : string.Create(CultureInfo.InvariantCulture, $"{percent,3}%  ETA {(eta is { } e ? Format(e) : "--:--")}");
        if (terminal)
        {
            var done = Math.Clamp(percent, 0, 100) * Width / 100;
            error.Write($"\r[{new string('=', done)}{new string(' ', Width - done)}] {text}\u001b[K"); // erase what a longer line left
            _drawn = true;
        }
        else
        {
            error.WriteLine($"Progress: {text}");
        }

        error.Flush();
    }

    public void Log(string line)
    {
        // The bar stands for the log while waiting; activity:log prints it.
    }

    /// <summary>Time left at the pace so far; null until there is a pace to go by.</summary>
    public static TimeSpan? Eta(TimeSpan elapsed, int percent) =>
        percent is > 0 and < 100 && elapsed > TimeSpan.Zero ? elapsed * ((100.0 - percent) / percent)
        : percent >= 100 ? TimeSpan.Zero : null;

    public static string Format(TimeSpan span) => span.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}:{span.Seconds:00}");

    public void Dispose() => EndLine();

    private void EndLine()
    {
        if (_drawn)
        {
            error.WriteLine();
            _drawn = false;
        }
    }
}
