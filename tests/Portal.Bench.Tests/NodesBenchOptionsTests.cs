namespace Portal.Bench.Tests;

public sealed class NodesBenchOptionsTests
{
    [Fact]
    public void TheDefaultIsTheIssuesRunOneTwoAndThreeNodesBothEntriesAndPortalsOwnPoll()
    {
        var options = NodesBenchOptions.Parse(["nodes"]);

        Assert.Equal(("1,2,3", 300, 20, 500, null), (string.Join(',', options.Nodes), options.Activities, options.Environments, options.GapMilliseconds, options.PollMilliseconds));
        Assert.Equal(NodesBenchOptions.EntryKinds, options.Entries);
        Assert.True(options.IsFullRun);
    }

    [Theory]
    [InlineData("--nodes", "3")]
    [InlineData("--activities", "50")]
    [InlineData("--entry", "one")]
    [InlineData("--poll", "200")]
    public void AnythingButTheDefaultWorkloadIsNotTheFullRun(string option, string value)
    {
        Assert.False(NodesBenchOptions.Parse(["nodes", option, value]).IsFullRun);
    }

    [Fact]
    public void NodesEntryAndPollAreRead()
    {
        var options = NodesBenchOptions.Parse(["nodes", "--nodes", "2, 3", "--entry", "spread", "--poll", "250", "--gap", "100", "--docs-path", "/tmp/b.md"]);

        Assert.Equal(("2,3", "spread", 250, 100, true, "/tmp/b.md"),
            (string.Join(',', options.Nodes), string.Join(',', options.Entries), options.PollMilliseconds, options.GapMilliseconds, options.WriteDocs, options.DocsPath));
    }

    [Theory]
    [InlineData("--nodes", "0")]
    [InlineData("--nodes", "1,x")]
    [InlineData("--nodes", "9")]
    [InlineData("--entry", "all")]
    [InlineData("--poll", "50")]
    [InlineData("--gap", "0")]
    [InlineData("--shape", "1")]
    public void AnOptionOutOfRangeOrUnknownIsRefusedWithItsName(string option, string value)
    {
        var refusal = Assert.Throws<ArgumentException>(() => NodesBenchOptions.Parse(["nodes", option, value]));

        Assert.Contains(option, refusal.Message, StringComparison.Ordinal);
    }
}
