namespace Portal.Bench.Tests;

public sealed class ClaimLatencyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnActivityAloneInItsEnvironmentWaitsFromItsCreation()
    {
        var waits = ClaimLatency.Of([Run("a", "env-1", "node-1", created: 0, started: 12, completed: 300)], Ids("a"), ["node-1"], slotsPerNode: 2);

        var wait = Assert.Single(waits);
        Assert.Equal((T0, false, false, 12.0), (wait.Runnable, wait.Behind, wait.WaitedForCapacity, wait.Milliseconds));
    }

    [Fact]
    public void AnActivityQueuedBehindAnotherWaitsFromThatOnesEndEvenWhenTheFirstIsNotMeasured()
    {
        var waits = ClaimLatency.Of(
            [Run("warm-up", "env-1", "node-1", created: 0, started: 5, completed: 400), Run("b", "env-1", "node-2", created: 100, started: 430, completed: 700)],
            Ids("b"), ["node-1", "node-2"], slotsPerNode: 2);

        var wait = Assert.Single(waits);
        Assert.Equal((T0.AddMilliseconds(400), true, 30.0), (wait.Runnable, wait.Behind, wait.Milliseconds));
    }

    [Fact]
    public void AnActivityCreatedAfterThePreviousOneOfItsEnvironmentEndedIsNotBehindIt()
    {
        var waits = ClaimLatency.Of(
            [Run("a", "env-1", "node-1", created: 0, started: 5, completed: 100), Run("b", "env-1", "node-1", created: 150, started: 160, completed: 300)],
            Ids("a", "b"), ["node-1"], slotsPerNode: 2);

        Assert.Equal([(false, 5.0), (false, 10.0)], waits.Select(w => (w.Behind, w.Milliseconds)));
    }

    [Fact]
    public void WhenEveryNodeRunsItsMostTheWaitIsForCapacity()
    {
        var waits = ClaimLatency.Of(
            [
                Run("a", "env-1", "node-1", created: 0, started: 1, completed: 500),
                Run("b", "env-2", "node-1", created: 0, started: 2, completed: 600),
                Run("c", "env-3", "node-1", created: 100, started: 505, completed: 800),
            ],
            Ids("c"), ["node-1"], slotsPerNode: 2);

        Assert.True(Assert.Single(waits).WaitedForCapacity);
    }

    [Fact]
    public void ANodeWithAFreeSlotMakesTheWaitTheClaimsEvenIfAnotherNodeRanTheActivityLater()
    {
        // node-2 ran nothing at 100 ms: it could have claimed c at once, so c's 405 ms are the claim path's (no wake-up reached node-2).
        var waits = ClaimLatency.Of(
            [
                Run("a", "env-1", "node-1", created: 0, started: 1, completed: 500),
                Run("b", "env-2", "node-1", created: 0, started: 2, completed: 600),
                Run("c", "env-3", "node-1", created: 100, started: 505, completed: 800),
            ],
            Ids("c"), ["node-1", "node-2"], slotsPerNode: 2);

        Assert.Equal((false, 405.0), (Assert.Single(waits).WaitedForCapacity, waits[0].Milliseconds));
    }

    [Fact]
    public void AFreeSlotAnOlderWaitingActivityTakesFirstLeavesTheYoungerWaitingForCapacity()
    {
        // At 500 ms a ends and frees one slot; c (older, waiting since 100) takes it, so d, runnable at 500 too, waits for capacity.
        var waits = ClaimLatency.Of(
            [
                Run("a", "env-1", "node-1", created: 0, started: 1, completed: 500),
                Run("b", "env-2", "node-1", created: 0, started: 2, completed: 900),
                Run("c", "env-3", "node-1", created: 100, started: 505, completed: 800),
                Run("d", "env-1", "node-1", created: 200, started: 805, completed: 1000),
            ],
            Ids("c", "d"), ["node-1"], slotsPerNode: 2);

        Assert.Equal([("c", true), ("d", true)], waits.Select(w => (w.Activity.Id, w.WaitedForCapacity)));
        Assert.Equal(T0.AddMilliseconds(500), waits[1].Runnable);
    }

    [Fact]
    public void TheScheduleIsTheSameForTheSameSeedStartsAtZeroAndKeepsItsMeanGap()
    {
        var arrivals = ClaimLatency.Arrivals(seed: 7, count: 2_000, environments: 20, meanGapMilliseconds: 500);

        Assert.Equal(arrivals, ClaimLatency.Arrivals(seed: 7, count: 2_000, environments: 20, meanGapMilliseconds: 500));
        Assert.NotEqual(arrivals, ClaimLatency.Arrivals(seed: 8, count: 2_000, environments: 20, meanGapMilliseconds: 500));
        Assert.Equal(0, arrivals[0].OffsetMilliseconds);
        Assert.All(arrivals, a => Assert.InRange(a.Environment, 0, 19));
        Assert.Equal(20, arrivals.Select(a => a.Environment).Distinct().Count());
        Assert.InRange(arrivals[^1].OffsetMilliseconds / (arrivals.Count - 1), 450, 550);
    }

    [Fact]
    public void TheClaimFiguresLeaveOutCapacityWaitsWhichTheFiguresOfAllActivitiesKeep()
    {
        var run = new NodesRun(1, "spread",
        [
            new ClaimWait(Run("a", "env-1", "node-1", created: 0, started: 10, completed: 20), T0, Behind: false, WaitedForCapacity: false),
            new ClaimWait(Run("b", "env-2", "node-1", created: 0, started: 30, completed: 40), T0, Behind: false, WaitedForCapacity: false),
            new ClaimWait(Run("c", "env-3", "node-1", created: 0, started: 900, completed: 950), T0, Behind: false, WaitedForCapacity: true),
        ], new Dictionary<string, int> { ["node-1"] = 3 }, 1, "0", "0");

        Assert.Equal((2, 30.0), (NodesReport.Claim(run).Count, NodesReport.Claim(run).Max));
        Assert.Equal((3, 900.0), (NodesReport.All(run).Count, NodesReport.All(run).Max));
        Assert.True(NodesReport.Met(run));
    }

    private static RecordedActivity Run(string id, string environment, string node, double created, double started, double completed) =>
        new(id, environment, node, T0.AddMilliseconds(created), T0.AddMilliseconds(started), T0.AddMilliseconds(completed));

    private static HashSet<string> Ids(params string[] ids) => [.. ids];
}
