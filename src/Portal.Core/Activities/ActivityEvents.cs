namespace Portal.Core.Activities;

using Portal.Core.Environments;

/// <summary>
/// A change to an activity, pushed to whoever shows it live. <see cref="EnvironmentStatus"/> is set only on the update
/// in which the activity changed its environment's status (a safe snapshot or a restore pausing it, then giving it back),
/// with <see cref="EnvironmentStatusReason"/> when Portal says why (an environment that needs attention).
/// </summary>
public sealed record ActivityUpdate(
    string ActivityId,
    string ProjectId,
    Guid EnvironmentId,
    string Type,
    ActivityState State,
    ActivityResult? Result,
    int CompletionPercent,
    string? Message,
    TimeSpan? EstimatedRemaining,
    bool IsNew = false,
    EnvironmentStatus? EnvironmentStatus = null,
    string? EnvironmentStatusReason = null);

/// <summary>In-process publication of activity changes (the UI subscribes; the worker publishes).</summary>
public interface IActivityEvents
{
    IDisposable Subscribe(Action<ActivityUpdate> handler);

    void Publish(ActivityUpdate update);
}

/// <summary>Handlers run on the publisher's thread and must be quick (components marshal through InvokeAsync).</summary>
public sealed class InProcessActivityEvents : IActivityEvents
{
    private readonly Lock _gate = new();
    private ImmutableHandlers _handlers = new([]);

    public IDisposable Subscribe(Action<ActivityUpdate> handler)
    {
        lock (_gate)
        {
            _handlers = new([.. _handlers.Items, handler]);
        }

        return new Subscription(this, handler);
    }

    public void Publish(ActivityUpdate update)
    {
        foreach (var handler in _handlers.Items)
        {
            try
            {
                handler(update);
            }
            catch (ObjectDisposedException)
            {
                // A circuit that went away between snapshot and call; it unsubscribes itself.
            }
        }
    }

    private void Unsubscribe(Action<ActivityUpdate> handler)
    {
        lock (_gate)
        {
            _handlers = new([.. _handlers.Items.Where(h => h != handler)]);
        }
    }

    private sealed record ImmutableHandlers(Action<ActivityUpdate>[] Items);

    private sealed class Subscription(InProcessActivityEvents owner, Action<ActivityUpdate> handler) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(handler);
    }
}
