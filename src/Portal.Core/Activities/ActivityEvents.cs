namespace Portal.Core.Activities;

using Portal.Core.Environments;

/// <summary>
/// A change to an activity, pushed to whoever shows it live. <see cref="EnvironmentStatus"/> is set only on the update
/// in which the activity changed its environment's status (a safe snapshot or a restore pausing it, then giving it back),
/// with <see cref="EnvironmentStatusReason"/> when Portal says why (an environment that needs attention).
/// <see cref="LogLine"/> is set on the update that appended a line to the log (stamped, as stored), with its
/// <see cref="LogIndex"/> among the activity's lines, so a follower can tell lines it already has from new ones.
/// An update with <see cref="IsResync"/> names no activity: updates may have been lost (another node's, while the
/// connection that brings them was down), so a follower reads what it shows again from the database.
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
    string? EnvironmentStatusReason = null,
    string? LogLine = null,
    int LogIndex = -1)
{
    /// <summary>True on the update that asks every follower to read again from the database; its other fields mean nothing.</summary>
    public bool IsResync { get; private init; }

    /// <summary>The resync signal: its project and activity match no filter, so a follower that ignores it stays as before.</summary>
    public static ActivityUpdate Resync() =>
        new("", "", Guid.Empty, "", ActivityState.Pending, null, 0, null, null) { IsResync = true };
}

/// <summary>The log of an activity while this node runs it, ahead of what the database has (it is written periodically).</summary>
public interface IRunningActivityLogs
{
    /// <summary>Every stamped line so far; null when this node does not run the activity now.</summary>
    IReadOnlyList<string>? LinesSoFar(string activityId);
}

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

    /// <summary>How many followers are subscribed now; a closed live view or event stream must give its place back.</summary>
    public int SubscriberCount => _handlers.Items.Length;

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
