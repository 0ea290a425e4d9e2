namespace Portal.Core.Tests.Snapshots;

using Portal.Core.Snapshots;

public sealed class RestoreEstimateTests
{
    [Theory]
    [InlineData(60_000_000_000L, 0.98, 1.0)]
    [InlineData(150_000_000_000L, 2.4, 2.5)]
    [InlineData(200_000_000_000L, 4.9, 5.1)]
    public void WithoutHistoryTheSeedsPublishedRatesAreUsed(long bytes, double minHours, double maxHours)
    {
        var estimate = RestoreEstimate.For(bytes, history: null);

        Assert.False(estimate.FromHistory);
        Assert.InRange(estimate.Duration.TotalHours, minHours, maxHours);
    }

    [Fact]
    public void ThisPortalsOwnRestoresWinOverTheSeedsTable()
    {
        var estimate = RestoreEstimate.For(1_000_000_000, new RestoreThroughput(BytesPerSecond: 250_000_000, Restores: 3));

        Assert.True(estimate.FromHistory);
        Assert.Equal(3, estimate.FromRestores);
        Assert.Equal(TimeSpan.FromSeconds(4), estimate.Duration);
    }
}
