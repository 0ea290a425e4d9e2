namespace Portal.Core.Snapshots;

using Microsoft.Extensions.Options;
using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Schedules;

/// <summary>Create, restore, delete and list snapshots: the one entry point for the UI, the API and the CLI.</summary>
public sealed class SnapshotService(
    AccessGuard guard,
    ISnapshotRepository snapshots,
    IUserAccessRepository users,
    IActivityQueue queue,
    TimeProvider time,
    IOptions<SnapshotOptions> options)
{
    public const int MaxPinReasonLength = 200;

    public Task<Activity> CreateAsync(Actor actor, string projectId, string environmentName, bool live, CancellationToken cancellationToken) =>
        CreateAsync(actor, projectId, environmentName, live, run: null, cancellationToken);

    /// <summary>A snapshot Portal itself takes, as a schedule does: an ordinary snapshot activity by <see cref="Actor.System"/>, marked automated.</summary>
    public Task<Activity> CreateScheduledAsync(string projectId, string environmentName, bool live, CancellationToken cancellationToken) =>
        CreateAsync(Actor.System, projectId, environmentName, live, run: null, cancellationToken);

    /// <summary>
    /// The snapshot for one scheduled run. Its ids derive from the schedule and the run's time, so queuing the same run twice (a
    /// crash after queuing it but before recording that it was) is refused by the database instead of snapshotting twice.
    /// </summary>
    public Task<Activity> CreateScheduledAsync(string projectId, string environmentName, bool live, ScheduledRun run, CancellationToken cancellationToken) =>
        CreateAsync(Actor.System, projectId, environmentName, live, run, cancellationToken);

    private async Task<Activity> CreateAsync(Actor actor, string projectId, string environmentName, bool live, ScheduledRun? run, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        AccessGuard.Enforce(SnapshotRules.CheckCanSnapshot(environment, roles));

        var now = time.GetUtcNow();
        var automated = actor.IsSystem;
        var activity = new Activity
        {
            Id = run is null ? PortalIds.New() : PortalIds.Derive($"{run.Key}/activity"),
            ProjectId = projectId,
            EnvironmentId = environment.Id,
            EnvironmentName = environment.Name,
            Type = ActivityTypes.Snapshot,
            CreatedAt = now,
            SnapshotId = run is null ? PortalIds.New() : PortalIds.Derive($"{run.Key}/snapshot"),
            Payload = new SnapshotPayload { Live = live }.ToJson(),
            Text = $"{actor.DisplayName} created a {(automated ? "scheduled " : "")}{(live ? "live " : "")}snapshot of {environment.Name}",
            InitiatedBy = actor.UserId,
            Log = run is null ? "" : run.Note + "\n",
        };

        // Listed as "being created" from now on; the worker sets its real capture time and expiry when it runs.
        var snapshot = new Snapshot
        {
            Id = activity.SnapshotId,
            ProjectId = projectId,
            EnvironmentId = environment.Id,
            EnvironmentName = environment.Name,
            Safe = !live,
            CreatedAt = now,
            ExpiresAt = options.Value.ExpiresAt(environment.Type, now, automated),
            CreatedBy = actor.UserId,
            ActivityId = activity.Id,
            Automated = automated,
        };
        await queue.EnqueueAsync(activity, snapshot, cancellationToken);
        return activity;
    }

    public async Task<Activity> RestoreAsync(
        Actor actor, string projectId, string environmentName, string snapshotId, RestoreOptions restore, CancellationToken cancellationToken)
    {
        var review = await ReviewRestoreAsync(actor, projectId, environmentName, snapshotId, restore.TargetEnvironment, cancellationToken);
        AccessGuard.Enforce(review.Snapshot.CannotRestore);

        var target = review.Target;
        var takeSafety = restore.TakeSafetySnapshot ?? options.Value.SafetySnapshotByDefault;
        var sourceName = review.Snapshot.Snapshot.EnvironmentName;
        var activity = new Activity
        {
            Id = PortalIds.New(),
            ProjectId = projectId,
            EnvironmentId = target.Id,
            EnvironmentName = target.Name,
            Type = ActivityTypes.Restore,
            CreatedAt = time.GetUtcNow(),
            SnapshotId = snapshotId,
            Payload = new SnapshotPayload
            {
                TakeSafetySnapshot = takeSafety,
                SafetySnapshotId = takeSafety ? PortalIds.New() : null,
                TargetEnvironmentId = target.Id,
                TargetEnvironmentName = target.Name,
            }.ToJson(),
            Text = target.Name == sourceName
                ? $"{actor.DisplayName} restored snapshot {snapshotId} of {target.Name}"
                : $"{actor.DisplayName} restored snapshot {snapshotId} of {sourceName} to {target.Name}",
            InitiatedBy = actor.UserId,
        };
        await queue.EnqueueAsync(activity, null, cancellationToken);
        return activity;
    }

    public async Task<Activity> DeleteAsync(Actor actor, string projectId, string environmentName, string snapshotId, CancellationToken cancellationToken)
    {
        // Unknown (404) before the missing role (403) before the rules (409), as for create and restore.
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var snapshot = await RequireSnapshotAsync(projectId, environment, snapshotId, cancellationToken);
        AccessGuard.Enforce(SnapshotRules.CheckAdmin(roles, environment.Type, "delete snapshots"));
        if (snapshot.Status is SnapshotStatus.Deleting or SnapshotStatus.Deleted)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.SnapshotDeleted, $"Snapshot {snapshot.Id} was already deleted."));
        }

        if (snapshot.Status == SnapshotStatus.Creating)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.SnapshotNotReady,
                $"Snapshot {snapshot.Id} is still being created; delete it once it is complete."));
        }

        if (snapshot.IsPinned)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.SnapshotPinned,
                $"Snapshot {snapshot.Id} is pinned ({snapshot.PinReason}); unpin it before deleting it."));
        }

        return await EnqueueOnSnapshotAsync(actor, environment, ActivityTypes.SnapshotDelete, snapshot.Id,
            $"{actor.DisplayName} deleted snapshot {snapshot.Id} of {environment.Name}", cancellationToken);
    }

    /// <summary>Queues a verify: every stored object of the snapshot is re-read and its hash checked; a damaged snapshot stops being restorable.</summary>
    public Task<Activity> VerifyAsync(Actor actor, string projectId, string environmentName, string snapshotId, CancellationToken cancellationToken) =>
        VerifyAsync(actor, projectId, environmentName, snapshotId, scheduled: false, cancellationToken);

    /// <summary>The periodic verify: an ordinary verify activity by Portal itself.</summary>
    public Task<Activity> VerifyScheduledAsync(string projectId, string environmentName, string snapshotId, CancellationToken cancellationToken) =>
        VerifyAsync(Actor.System, projectId, environmentName, snapshotId, scheduled: true, cancellationToken);

    private async Task<Activity> VerifyAsync(
        Actor actor, string projectId, string environmentName, string snapshotId, bool scheduled, CancellationToken cancellationToken)
    {
        // Unknown (404) before the missing role (403) before the rules (409), as for the other snapshot actions.
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var snapshot = await RequireSnapshotAsync(projectId, environment, snapshotId, cancellationToken);
        AccessGuard.Enforce(SnapshotRules.CheckAdmin(roles, environment.Type, "verify snapshots") ?? SnapshotRules.CheckVerifiable(snapshot));

        return await EnqueueOnSnapshotAsync(actor, environment, ActivityTypes.SnapshotVerify, snapshot.Id,
            $"{actor.DisplayName} {(scheduled ? "ran the periodic verify of" : "verified")} snapshot {snapshot.Id} of {environment.Name}", cancellationToken);
    }

    /// <summary>Queues an activity on an existing snapshot of the environment (a deletion, a verify).</summary>
    private async Task<Activity> EnqueueOnSnapshotAsync(
        Actor actor, ProjectEnvironment environment, string type, string snapshotId, string text, CancellationToken cancellationToken)
    {
        var activity = new Activity
        {
            Id = PortalIds.New(),
            ProjectId = environment.ProjectId,
            EnvironmentId = environment.Id,
            EnvironmentName = environment.Name,
            Type = type,
            CreatedAt = time.GetUtcNow(),
            SnapshotId = snapshotId,
            Text = text,
            InitiatedBy = actor.UserId,
        };
        await queue.EnqueueAsync(activity, null, cancellationToken);
        return activity;
    }

    /// <summary>Keeps a complete snapshot out of rotation and expiry (and restorable) until it is unpinned; recorded in the feed with the reason.</summary>
    public async Task<Snapshot> PinAsync(Actor actor, string projectId, string environmentName, string snapshotId, string? reason, CancellationToken cancellationToken)
    {
        var (environment, snapshot) = await RequireAdminOnSnapshotAsync(actor, projectId, environmentName, snapshotId, "pin snapshots", cancellationToken);
        AccessGuard.Enforce(OneLineText.Check("The pin's 'reason'", reason, MaxPinReasonLength));
        if (snapshot.IsPinned)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.SnapshotPinned, $"Snapshot {snapshot.Id} is already pinned ({snapshot.PinReason})."));
        }

        AccessGuard.Enforce(CheckPinnable(snapshot));
        var pin = new SnapshotPin(time.GetUtcNow(), actor.UserId, reason!.Trim());
        var text = $"{actor.DisplayName} pinned snapshot {snapshot.Id} of {environment.Name}: {pin.Reason}";
        await SetPinAsync(environment, snapshot, pin, ActivityTypes.SnapshotPin, text, actor, cancellationToken);
        snapshot.PinnedAt = pin.At;
        snapshot.PinnedBy = pin.By;
        snapshot.PinReason = pin.Reason;
        return snapshot;
    }

    /// <summary>Gives a pinned snapshot back to the retention policy: past its window, the next sweep lets it go.</summary>
    public async Task<Snapshot> UnpinAsync(Actor actor, string projectId, string environmentName, string snapshotId, CancellationToken cancellationToken)
    {
        var (environment, snapshot) = await RequireAdminOnSnapshotAsync(actor, projectId, environmentName, snapshotId, "unpin snapshots", cancellationToken);
        if (!snapshot.IsPinned)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.SnapshotNotPinned, $"Snapshot {snapshot.Id} is not pinned."));
        }

        var text = $"{actor.DisplayName} unpinned snapshot {snapshot.Id} of {environment.Name} (pinned for: {snapshot.PinReason})";
        await SetPinAsync(environment, snapshot, null, ActivityTypes.SnapshotUnpin, text, actor, cancellationToken);
        snapshot.PinnedAt = null;
        snapshot.PinnedBy = null;
        snapshot.PinReason = null;
        return snapshot;
    }

    /// <summary>What a manual create would do to the kept snapshots, for the Create dialog: the ones it would rotate out, oldest first.</summary>
    public async Task<IReadOnlyList<Snapshot>> ReviewCreateAsync(Actor actor, string projectId, string environmentName, CancellationToken cancellationToken)
    {
        var (environment, _) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var list = await snapshots.ListAsync(environment.Id, cancellationToken);
        return SnapshotRetention.RotatedOutByNewManual(list, RetentionFor(environment));
    }

    public RetentionPolicy RetentionFor(ProjectEnvironment environment) => options.Value.Retention.For(environment.Type);

    public async Task<IReadOnlyList<SnapshotView>> ListAsync(Actor actor, string projectId, string environmentName, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var list = await snapshots.ListAsync(environment.Id, cancellationToken);
        var now = time.GetUtcNow();
        return [.. list.Select(s => View(s, environment, roles, now))];
    }

    public async Task<SnapshotView> GetAsync(Actor actor, string projectId, string environmentName, string snapshotId, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var snapshot = await RequireSnapshotAsync(projectId, environment, snapshotId, cancellationToken);
        return View(snapshot, environment, roles, time.GetUtcNow());
    }

    /// <summary>Everything the restore dialog shows, checked against the rules as of now.</summary>
    public async Task<RestoreReview> ReviewRestoreAsync(
        Actor actor, string projectId, string environmentName, string snapshotId, string? targetEnvironment, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var snapshot = await RequireSnapshotAsync(projectId, environment, snapshotId, cancellationToken);
        var target = environment;
        if (targetEnvironment is not null && targetEnvironment != environment.Name)
        {
            (target, roles) = await guard.RequireEnvironmentAsync(actor, projectId, targetEnvironment, cancellationToken);
        }

        var view = View(snapshot, environment, roles, time.GetUtcNow(), target);
        var history = await snapshots.RecentRestoreThroughputAsync(projectId, cancellationToken);
        var maker = await users.FindUserAsync(snapshot.CreatedBy, cancellationToken);
        return new RestoreReview(view, target, target.Services, options.Value.SafetySnapshotByDefault,
            RestoreEstimate.For(view.TotalSize, history), maker?.DisplayName ?? snapshot.CreatedBy);
    }

    internal SnapshotView View(Snapshot snapshot, ProjectEnvironment environment, EffectiveRoles roles, DateTimeOffset now, ProjectEnvironment? target = null)
    {
        target ??= environment;
        var notRestorable = SnapshotRules.CheckRestorable(snapshot, environment, now);
        var cannotRestore = SnapshotRules.CheckAdmin(roles, target.Type, "restore snapshots")
            ?? notRestorable
            ?? (target == environment ? null : SnapshotRules.CheckEnvironmentAllowsSnapshots(target));
        return new SnapshotView(snapshot, notRestorable, cannotRestore, SnapshotRules.CheckAdmin(roles, environment.Type, "pin snapshots"))
        {
            CannotVerify = SnapshotRules.CheckAdmin(roles, environment.Type, "verify snapshots") ?? SnapshotRules.CheckVerifiable(snapshot),
        };
    }

    private async Task<(ProjectEnvironment Environment, Snapshot Snapshot)> RequireAdminOnSnapshotAsync(
        Actor actor, string projectId, string environmentName, string snapshotId, string toDoWhat, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var snapshot = await RequireSnapshotAsync(projectId, environment, snapshotId, cancellationToken);
        AccessGuard.Enforce(SnapshotRules.CheckAdmin(roles, environment.Type, toDoWhat));
        return (environment, snapshot);
    }

    private static Refusal? CheckPinnable(Snapshot snapshot) => snapshot.Status switch
    {
        SnapshotStatus.Created => null,
        SnapshotStatus.Creating => new Refusal(RefusalCode.SnapshotNotReady, $"Snapshot {snapshot.Id} is still being created; pin it once it is complete."),
        SnapshotStatus.Failed => new Refusal(RefusalCode.SnapshotFailed, $"Snapshot {snapshot.Id} failed; there is nothing to keep."),
        SnapshotStatus.Expired => new Refusal(RefusalCode.SnapshotExpired, $"Snapshot {snapshot.Id} expired and its data was removed; it can no longer be pinned."),
        _ => new Refusal(RefusalCode.SnapshotDeleted, $"Snapshot {snapshot.Id} was deleted; it can no longer be pinned."),
    };

    private async Task SetPinAsync(
        ProjectEnvironment environment, Snapshot snapshot, SnapshotPin? pin, string type, string text, Actor actor, CancellationToken cancellationToken)
    {
        var record = ActivityFeedService.Completed(actor, environment, type, text, time.GetUtcNow(), snapshotId: snapshot.Id);
        if (!await snapshots.SetPinAsync(snapshot.Id, pin, record, cancellationToken))
        {
            // Its retention sweep or another admin got there first: say what it is now.
            var current = await snapshots.FindAsync(environment.ProjectId, snapshot.Id, cancellationToken) ?? snapshot;
            AccessGuard.Enforce(CheckPinnable(current));
            throw new PortalRefusedException(new Refusal(pin is null ? RefusalCode.SnapshotNotPinned : RefusalCode.SnapshotPinned,
                $"Snapshot {snapshot.Id} was {(current.IsPinned ? "pinned" : "unpinned")} meanwhile by someone else."));
        }
    }

    private async Task<Snapshot> RequireSnapshotAsync(string projectId, ProjectEnvironment environment, string snapshotId, CancellationToken cancellationToken)
    {
        var snapshot = PortalIds.IsWellFormed(snapshotId) ? await snapshots.FindAsync(projectId, snapshotId, cancellationToken) : null;
        return snapshot is not null && snapshot.EnvironmentId == environment.Id
            ? snapshot
            : throw new PortalRefusedException(new Refusal(RefusalCode.SnapshotNotFound,
                $"Snapshot {Refusal.Quote(snapshotId)} was not found on environment {environment.Name}."));
    }
}
