namespace Portal.Infrastructure.Tests.Hosting;

using Microsoft.Extensions.Time.Testing;
using Portal.Infrastructure.Hosting;

public sealed class HeartbeatsTests
{
    [Fact]
    public void AServiceIsNotFreshBeforeItsFirstSuccessfulRun()
    {
        var heartbeats = new Heartbeats(new FakeTimeProvider());

        Assert.False(heartbeats.IsFresh("worker"));
        Assert.Null(heartbeats.Last("worker"));
    }

    [Fact]
    public void AHeartbeatTurnsStaleAfterThreeMissedRunsAndThirtySeconds()
    {
        var time = new FakeTimeProvider();
        var heartbeats = new Heartbeats(time);
        heartbeats.Beat("worker", TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(45));
        Assert.True(heartbeats.IsFresh("worker"));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.False(heartbeats.IsFresh("worker"));

        heartbeats.Beat("worker", TimeSpan.FromSeconds(5));
        Assert.True(heartbeats.IsFresh("worker"));
        Assert.False(heartbeats.IsFresh("expiry"));
    }
}
