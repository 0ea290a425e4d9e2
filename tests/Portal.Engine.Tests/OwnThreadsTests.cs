namespace Portal.Engine.Tests;

public sealed class OwnThreadsTests
{
    [Fact]
    public void EveryItemRunsOnceWithSeveralWaitingAtOnce()
    {
        var runs = new int[64];
        var waiting = 0;
        var mostWaiting = 0;
        OwnThreads.ForEach(Enumerable.Range(0, runs.Length).ToList(), 8, "test", i =>
        {
            Interlocked.Increment(ref runs[i]);
            var now = Interlocked.Increment(ref waiting);
            InterlockedMax(ref mostWaiting, now);
            Thread.Sleep(20);
            Interlocked.Decrement(ref waiting);
        }, TestContext.Current.CancellationToken);

        Assert.All(runs, count => Assert.Equal(1, count));
        // More waits in flight than this machine's 2 cores: what the thread pool would not start in time.
        Assert.InRange(mostWaiting, 3, 8);
    }

    [Fact]
    public void TheFirstFailureIsRethrownAsItselfAndStopsTheRest()
    {
        var started = 0;
        var failure = Assert.Throws<IOException>(() => OwnThreads.ForEach(Enumerable.Range(0, 10_000).ToList(), 4, "test", i =>
        {
            Interlocked.Increment(ref started);
            if (i == 3)
            {
                throw new IOException("disk gone");
            }

            Thread.Sleep(1);
        }, TestContext.Current.CancellationToken));

        Assert.Equal("disk gone", failure.Message);
        Assert.True(started < 1_000, $"{started} items started after the failure");
    }

    [Fact]
    public void ACancelledRunStopsWithOperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        var ran = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => OwnThreads.ForEach(Enumerable.Range(0, 10_000).ToList(), 4, "test", i =>
        {
            if (Interlocked.Increment(ref ran) == 10)
            {
                cancel.Cancel();
            }
        }, cancel.Token));

        Assert.True(ran < 1_000, $"{ran} items ran after the cancel");
    }

    [Fact]
    public void OneItemRunsOnTheCallersThread()
    {
        var caller = Environment.CurrentManagedThreadId;
        var ranOn = -1;
        OwnThreads.ForEach([1], 8, "test", _ => ranOn = Environment.CurrentManagedThreadId, TestContext.Current.CancellationToken);
        Assert.Equal(caller, ranOn);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
