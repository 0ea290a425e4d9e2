namespace Portal.Bench.Tests;

public sealed class ShellTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TimeCountsTheCpuOfTheProcessesTheScriptStartedAndNotTimeSpentWaiting()
    {
        // Hashing 300 MB costs CPU whatever the machine's load; sleeping costs wall time and next to no CPU.
        var (_, busyCpu) = await Shell.TimeAsync("head -c 300M /dev/zero | sha256sum", null, Cancel);
        var (sleepSeconds, sleepCpu) = await Shell.TimeAsync("sleep 0.5", null, Cancel);

        Assert.True(busyCpu > 0.05, $"hashing 300 MB reported {busyCpu} CPU-seconds");
        Assert.True(sleepSeconds >= 0.5, $"sleep 0.5 took {sleepSeconds} s");
        Assert.True(sleepCpu < busyCpu, $"sleeping reported {sleepCpu} CPU-seconds, hashing {busyCpu}");
    }

    [Fact]
    public async Task AFailingStepOfAPipelineFailsTheToolRunWithItsMessage()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Shell.TimeAsync("echo broken >&2; false | cat", null, Cancel));

        Assert.Contains("broken", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QuotingKeepsAPathWithQuotesAndSpacesOneWord()
    {
        Assert.Equal("'/tmp/it'\\''s a dir'", Shell.Q("/tmp/it's a dir"));
    }
}
