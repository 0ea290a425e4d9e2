namespace Portal.Web.Tests.Support;

using Portal.Core.Activities;

/// <summary>The real in-process events, counting who listens.</summary>
public sealed class CountingActivityEvents : IActivityEvents
{
    private readonly InProcessActivityEvents _inner = new();
    private int _subscribers;

    public int Subscribers => Volatile.Read(ref _subscribers);

    public IDisposable Subscribe(Action<ActivityUpdate> handler)
    {
        Interlocked.Increment(ref _subscribers);
        var subscription = _inner.Subscribe(handler);
        return new Unsubscribe(() =>
        {
            subscription.Dispose();
            Interlocked.Decrement(ref _subscribers);
        });
    }

    public void Publish(ActivityUpdate update) => _inner.Publish(update);

    private sealed class Unsubscribe(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
