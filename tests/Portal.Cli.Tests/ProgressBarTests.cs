namespace Portal.Cli.Tests;

using Microsoft.Extensions.Time.Testing;
using Portal.Contracts;

public sealed class ProgressBarTests
{
    [Fact]
    public void TheEtaIsTheTimeLeftAtThePaceSoFar()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), ProgressBar.Eta(TimeSpan.FromSeconds(10), 25));
        Assert.Null(ProgressBar.Eta(TimeSpan.FromSeconds(10), 0));
        Assert.Equal(TimeSpan.Zero, ProgressBar.Eta(TimeSpan.FromSeconds(10), 100));
    }

    [Fact]
    public void AtATerminalTheBarRedrawsOneLineWithPercentAndEta()
    {
        var time = new FakeTimeProvider();
        using var error = new StringWriter();
        using (var bar = new ProgressBar(error, terminal: true, time))
        {
            bar.Progress(ActivityStates.InProgress, 0);
            time.Advance(TimeSpan.FromSeconds(20));
            bar.Progress(ActivityStates.InProgress, 50);
        }

        var text = error.ToString();
        Assert.Contains("\r[===============               ]  50%  ETA 0:20", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Count(c => c == '\n'));
    }

    [Fact]
    public void WithoutATerminalEachChangeIsOnePlainLine()
    {
        var time = new FakeTimeProvider();
        using var error = new StringWriter();
        using (var bar = new ProgressBar(error, terminal: false, time))
        {
            bar.Progress(ActivityStates.Pending, 0);
            bar.Progress(ActivityStates.InProgress, 10);
            bar.Progress(ActivityStates.InProgress, 10);
            time.Advance(TimeSpan.FromSeconds(60));
            bar.Progress(ActivityStates.InProgress, 60);
        }

        Assert.Equal(
            ["Progress:   0%  waiting for the environment's earlier activities", "Progress:  10%  ETA --:--", "Progress:  60%  ETA 0:40"],
            error.ToString().TrimEnd().Split(Environment.NewLine));
        Assert.DoesNotContain('\r', error.ToString());
    }
}
