namespace Portal.Engine.Tests.Adapters.MySql;

using Portal.Engine.Adapters.MySql;

public sealed class ReplacedTableDropsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DropsOfOneTargetRunInTurnWhileAnotherTargetsDoNotWait()
    {
        using var drops = new ReplacedTableDrops();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = new List<string>();
        drops.Schedule("db1", async _ =>
        {
            await first.Task;
            order.Add("first");
        });
        drops.Schedule("db1", _ =>
        {
            order.Add("second");
            return Task.CompletedTask;
        });
        drops.Schedule("db2", _ => Task.CompletedTask);

        await drops.WhenDoneAsync("db2").WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.False(drops.WhenDoneAsync("db1").IsCompleted);
        first.SetResult();
        await drops.WhenDoneAsync("db1").WaitAsync(TimeSpan.FromSeconds(10), Token);

        Assert.Equal(["first", "second"], order);
    }

    [Fact]
    public async Task ADropThatFailsLeavesTheNextToRun()
    {
        using var drops = new ReplacedTableDrops();
        var ran = false;
        drops.Schedule("db1", _ => throw new IOException("the data directory is read-only"));
        drops.Schedule("db1", _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });

        await drops.WhenDoneAsync("db1").WaitAsync(TimeSpan.FromSeconds(10), Token);

        Assert.True(ran);
    }

    [Fact]
    public async Task AStopCancelsTheRunningDropAndStartsNoOther()
    {
        var drops = new ReplacedTableDrops();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ranAfterStop = false;
        drops.Schedule("db1", async token =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, token);
        });
        drops.Schedule("db1", _ =>
        {
            ranAfterStop = true;
            return Task.CompletedTask;
        });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        var pending = drops.WhenDoneAsync("db1");

        drops.Dispose();

        Assert.True(pending.IsCompletedSuccessfully);
        Assert.False(ranAfterStop);
    }
}
