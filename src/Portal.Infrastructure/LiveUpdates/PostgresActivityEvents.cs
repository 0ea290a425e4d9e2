namespace Portal.Infrastructure.LiveUpdates;

using System.Threading.Channels;
using Portal.Core.Activities;

/// <summary>
/// Activity updates with PostgreSQL, where several nodes share the database. An update published here reaches this node's
/// followers at once, exactly as with SQLite (whole log lines, every percent, even while the database is unreachable), and
/// is queued for <see cref="PostgresActivityRelay"/> to NOTIFY the other nodes; what they send comes back in through
/// <see cref="Receive"/>. Every payload names its node and a node skips its own, so each update reaches a follower once.
/// </summary>
public sealed class PostgresActivityEvents : IActivityEvents
{
    /// <summary>A database that stays unreachable must not fill memory: beyond this the rest is dropped and receivers resync.</summary>
    internal const int MaxQueued = 10_000;

    private readonly InProcessActivityEvents _local = new();
    private readonly Lock _gate = new();
    private readonly List<ActivityUpdate> _queued = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private bool _lost;

    /// <summary>This node's name in the payloads it sends: new at each start, so two nodes never share one by misconfiguration.</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N")[..12];

    public IDisposable Subscribe(Action<ActivityUpdate> handler) => _local.Subscribe(handler);

    public void Publish(ActivityUpdate update)
    {
        _local.Publish(update);
        lock (_gate)
        {
            // Progress alone is superseded by newer progress: only the latest still queued for an activity is sent.
            if (IsProgressOnly(update))
            {
                _queued.RemoveAll(q => q.ActivityId == update.ActivityId && IsProgressOnly(q));
            }

            if (_queued.Count >= MaxQueued)
            {
                _lost = true;
                return;
            }

            _queued.Add(update);
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>Tells this node's followers to read again from the database: updates from other nodes may have been missed.</summary>
    public void Resync() => _local.Publish(ActivityUpdate.Resync());

    /// <summary>Hands other nodes' updates in a payload to this node's followers; throws for a payload no Portal node sent.</summary>
    internal void Receive(string payload)
    {
        var received = ActivityNotifications.Decode(payload);
        if (received.Node == NodeId)
        {
            return;
        }

        if (received.Resync)
        {
            Resync();
        }

        foreach (var update in received.Updates)
        {
            _local.Publish(update);
        }
    }

    /// <summary>Waits until something is queued.</summary>
    internal async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _wake.Reader.WaitToReadAsync(cancellationToken);
        _wake.Reader.TryRead(out _);
    }

    /// <summary>Everything queued, oldest first, and whether updates were lost since the last take (receivers must then resync).</summary>
    internal (List<ActivityUpdate> Updates, bool Lost) Take()
    {
        lock (_gate)
        {
            var taken = (_queued.ToList(), _lost);
            _queued.Clear();
            _lost = false;
            return taken;
        }
    }

    /// <summary>Taken updates could not be sent: the next payload asks the other nodes to resync.</summary>
    internal void MarkLost()
    {
        lock (_gate)
        {
            _lost = true;
        }
    }

    private static bool IsProgressOnly(ActivityUpdate update) =>
        update is { State: ActivityState.InProgress, LogLine: null, EnvironmentStatus: null, IsNew: false, IsResync: false };
}
