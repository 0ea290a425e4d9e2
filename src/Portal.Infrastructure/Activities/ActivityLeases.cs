namespace Portal.Infrastructure.Activities;

using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Activities;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Persistence.Configurations;

/// <summary>
/// Activities across the nodes of one PostgreSQL database (docs/adr/0009-activities-across-nodes.md): claims that skip what
/// another node is claiming, leases this node renews while it runs, and the take-over of leases a dead node stopped renewing.
/// With SQLite there is one node and none of this is used: <see cref="Enabled"/> is false.
/// </summary>
public sealed class ActivityLeases(
    IDbContextFactory<PortalDbContext> contexts,
    IOptions<DatabaseOptions> database,
    IOptions<ActivityOptions> options,
    NodeIdentity node,
    TimeProvider time,
    ILogger<ActivityLeases> logger)
{
    private readonly ConcurrentDictionary<long, LeaseHold> _held = new();

    public bool Enabled => database.Value.Provider == DatabaseProvider.PostgreSQL;

    public NodeIdentity Node => node;

    private TimeSpan Duration => options.Value.LeaseDuration;

    /// <summary>
    /// Claims the oldest pending activity of an environment with nothing before it still pending or running, whose placement this
    /// node runs, and leases it to this node. The environment's row is locked (skipping any another node holds) for the claim,
    /// so claimers of one environment take turns while those of others go on; the state check makes a stale pick lose.
    /// </summary>
    public async Task<Activity?> ClaimAsync(IReadOnlyCollection<Guid> busyHere, CancellationToken cancellationToken)
    {
        if (!node.ClaimsWork)
        {
            return null;
        }

        var busy = busyHere.ToList();
        var labels = node.Labels.ToArray();
        var all = node.ClaimsAll;
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var busyIds = busy.ToArray();
            var next = await db.Activities.FromSql($"""
                SELECT a.* FROM "Activities" AS a
                JOIN "Environments" AS e ON e."Id" = a."EnvironmentId"
                WHERE a."State" = 'Pending'
                  AND NOT (a."EnvironmentId" = ANY({busyIds}))
                  AND ({all} OR a."Placement" = 'all' OR a."Placement" = ANY({labels}))
                  AND NOT EXISTS (SELECT 1 FROM "Activities" AS b WHERE b."EnvironmentId" = a."EnvironmentId"
                      AND (b."State" = 'InProgress' OR (b."State" = 'Pending' AND b."Sequence" < a."Sequence")))
                ORDER BY a."Sequence"
                LIMIT 1
                FOR NO KEY UPDATE OF e SKIP LOCKED
                """).AsNoTracking().ToListAsync(cancellationToken);
            if (next is not [var activity])
            {
                return null;
            }

            var now = time.GetUtcNow();
            var expires = now + Duration;
            var claimed = await db.Activities
                .Where(a => a.Sequence == activity.Sequence && a.State == ActivityState.Pending)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(a => a.State, ActivityState.InProgress)
                    .SetProperty(a => a.StartedAt, now)
                    .SetProperty(a => EF.Property<string?>(a, LeaseColumns.ClaimedBy), node.NodeId)
                    .SetProperty(a => EF.Property<DateTimeOffset?>(a, LeaseColumns.LeaseExpiresAt), expires), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (claimed == 1)
            {
                activity.State = ActivityState.InProgress;
                activity.StartedAt = now;
                return activity;
            }

            // Another node claimed it after this statement's snapshot: look again, past this environment.
            busy.Add(activity.EnvironmentId);
        }
    }

    /// <summary>
    /// Takes over the running activities whose lease expired (a node died or lost the database), and only those, for
    /// environments this node runs; at <paramref name="starting"/> also what an earlier run under this configured node id
    /// left. Returns each taken activity's sequence with the node that had it.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, string?>> TakeOverExpiredAsync(bool starting, IReadOnlyCollection<Guid> busyHere, CancellationToken cancellationToken)
    {
        if (!node.ClaimsWork)
        {
            return new Dictionary<long, string?>();
        }

        var now = time.GetUtcNow();
        var mine = starting && !string.IsNullOrWhiteSpace(options.Value.NodeId) ? node.NodeId : null;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var candidates = await db.Activities.AsNoTracking()
            .Where(a => a.State == ActivityState.InProgress && !busyHere.Contains(a.EnvironmentId)
                && (EF.Property<DateTimeOffset?>(a, LeaseColumns.LeaseExpiresAt) == null
                    || EF.Property<DateTimeOffset?>(a, LeaseColumns.LeaseExpiresAt) < now
                    || (mine != null && EF.Property<string?>(a, LeaseColumns.ClaimedBy) == mine)))
            .OrderBy(a => a.Sequence)
            .Select(a => new
            {
                a.Sequence,
                ClaimedBy = EF.Property<string?>(a, LeaseColumns.ClaimedBy),
                Expires = EF.Property<DateTimeOffset?>(a, LeaseColumns.LeaseExpiresAt),
                Placement = EF.Property<string>(a, LeaseColumns.Placement),
            })
            .ToListAsync(cancellationToken);

        var taken = new Dictionary<long, string?>();
        foreach (var candidate in candidates.Where(c => node.CanRun(c.Placement)))
        {
            // Only if nobody renewed or took it since it was read: of two nodes taking over, one wins.
            var won = await db.Activities
                .Where(a => a.Sequence == candidate.Sequence && a.State == ActivityState.InProgress
                    && EF.Property<string?>(a, LeaseColumns.ClaimedBy) == candidate.ClaimedBy
                    && EF.Property<DateTimeOffset?>(a, LeaseColumns.LeaseExpiresAt) == candidate.Expires)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(a => EF.Property<string?>(a, LeaseColumns.ClaimedBy), node.NodeId)
                    .SetProperty(a => EF.Property<DateTimeOffset?>(a, LeaseColumns.LeaseExpiresAt), now + Duration), cancellationToken);
            if (won == 1)
            {
                taken[candidate.Sequence] = candidate.ClaimedBy;
                logger.LogWarning("Node {Node} takes over activity {Sequence} from {Previous}, whose lease expired at {Expires}",
                    node.NodeId, candidate.Sequence, candidate.ClaimedBy ?? "(no node)", candidate.Expires);
            }
        }

        return taken;
    }

    /// <summary>Keeps this node's lease on an activity renewed until the hold is disposed; its token says when the lease was lost.</summary>
    public LeaseHold Hold(long sequence)
    {
        var hold = new LeaseHold(this, sequence, time.GetUtcNow());
        _held[sequence] = hold;
        return hold;
    }

    /// <summary>
    /// Renews every lease this node holds. A lease another node took over, or one this node could not renew before it ran out,
    /// is lost: its run is told to stop at its next safe point, and leaves the activity to whoever has it now.
    /// </summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var hold in _held.Values.Where(h => now - h.RenewedAt >= Duration))
        {
            hold.Lose($"its lease ran out at {hold.RenewedAt + Duration:O} before node {node.NodeId} could renew it");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var hold in _held.Values.Where(h => !h.Lost.IsCancellationRequested))
        {
            var renewed = await db.Activities
                .Where(a => a.Sequence == hold.Sequence && a.State == ActivityState.InProgress
                    && EF.Property<string?>(a, LeaseColumns.ClaimedBy) == node.NodeId)
                .ExecuteUpdateAsync(set => set.SetProperty(a => EF.Property<DateTimeOffset?>(a, LeaseColumns.LeaseExpiresAt), now + Duration), cancellationToken);
            if (renewed == 1)
            {
                hold.RenewedAt = now;
            }
            else if (_held.ContainsKey(hold.Sequence))
            {
                hold.Lose($"node {node.NodeId} no longer holds its lease (another node took it over)");
            }
        }
    }

    /// <summary>Lets another node take the activity at once, e.g. a restore this node suspended while stopping.</summary>
    public async Task ReleaseAsync(long sequence, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Activities
            .Where(a => a.Sequence == sequence && a.State == ActivityState.InProgress && EF.Property<string?>(a, LeaseColumns.ClaimedBy) == node.NodeId)
            .ExecuteUpdateAsync(set => set.SetProperty(a => EF.Property<DateTimeOffset?>(a, LeaseColumns.LeaseExpiresAt), time.GetUtcNow()), cancellationToken);
    }

    /// <summary>With leases, only the node holding an activity's lease may record its end.</summary>
    internal IQueryable<Activity> Held(IQueryable<Activity> activities) =>
        Enabled ? activities.Where(a => EF.Property<string?>(a, LeaseColumns.ClaimedBy) == node.NodeId) : activities;

    private void LogLost(long sequence, string because) =>
        logger.LogWarning("Activity {Sequence} is stopping on node {Node}: {Reason}", sequence, node.NodeId, because);

    private void Release(LeaseHold hold) => _held.TryRemove(new KeyValuePair<long, LeaseHold>(hold.Sequence, hold));

    /// <summary>This node's hold on one activity's lease.</summary>
    public sealed class LeaseHold : IDisposable
    {
        private readonly ActivityLeases _owner;
        private readonly CancellationTokenSource _lost = new();
        private readonly Lock _gate = new();
        private long _renewedAtTicks;
        private bool _disposed;

        internal LeaseHold(ActivityLeases owner, long sequence, DateTimeOffset claimedAt)
        {
            _owner = owner;
            Sequence = sequence;
            RenewedAt = claimedAt;
        }

        public long Sequence { get; }

        /// <summary>Cancelled once the lease is lost.</summary>
        public CancellationToken Lost => _lost.Token;

        public string? LostBecause { get; private set; }

        internal DateTimeOffset RenewedAt
        {
            get => new(Interlocked.Read(ref _renewedAtTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _renewedAtTicks, value.UtcTicks);
        }

        internal void Lose(string because)
        {
            lock (_gate)
            {
                if (LostBecause is not null || _disposed)
                {
                    return;
                }

                LostBecause = because;
            }

            _owner.LogLost(Sequence, because);
            _lost.Cancel();
        }

        public void Dispose()
        {
            _owner.Release(this);
            lock (_gate)
            {
                _disposed = true;
            }

            // Not disposed: a run's linked token may still be registered on it, and a dropped source holds nothing unmanaged.
        }
    }
}
