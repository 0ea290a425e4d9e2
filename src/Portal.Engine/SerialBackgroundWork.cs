namespace Portal.Engine;

/// <summary>
/// Background work done one piece at a time, in the order queued, off any activity's critical path. A stop waits a few
/// seconds for the piece under way; what it cuts short is for the subclass's own records to finish at the next start.
/// </summary>
internal abstract class SerialBackgroundWork : IDisposable
{
    private readonly CancellationTokenSource _stopping;
    private Task _tail = Task.CompletedTask;

    protected SerialBackgroundWork()
    {
        _stopping = new CancellationTokenSource();
        // Kept apart from its source, which a stop disposes while a queued piece may still ask whether to start.
        Stopping = _stopping.Token;
    }

    /// <summary>Guards the queue and whatever state the subclass keeps beside it.</summary>
    protected object Lock { get; } = new();

    protected CancellationToken Stopping { get; }

    /// <summary>Completes once every piece queued so far is done (or failed, to be tried again).</summary>
    public Task WhenIdleAsync()
    {
        lock (Lock)
        {
            return _tail;
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            WhenIdleAsync().Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Whatever was not done keeps its record.
        }

        _stopping.Dispose();
    }

    /// <summary>Queues a piece after the last one; call it holding <see cref="Lock"/>. A piece handles its own failures.</summary>
    protected void Append(Func<Task> work, TaskContinuationOptions options = TaskContinuationOptions.None) =>
        _tail = _tail.ContinueWith(_ => work(), CancellationToken.None, options, TaskScheduler.Default).Unwrap();
}
