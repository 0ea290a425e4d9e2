namespace Portal.Core.Activities;

using System.Globalization;
using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Snapshots;

/// <summary>What the worker answered to a request to stop a running activity: stopping, or why it cannot.</summary>
public sealed record StopAnswer(bool Stopping, string? CannotStop)
{
    public static StopAnswer Accepted { get; } = new(true, null);

    public static StopAnswer Refused(string why) => new(false, why);
}

/// <summary>
/// The running side of cancelling, which the activity worker implements: a pending activity is cancelled in the store at
/// once; a running one is asked to stop at its next safe point, or says why it cannot.
/// </summary>
public interface IActivityCancellations
{
    /// <summary>Cancels the activity if it is still pending (a feed line says who); false when the worker started it first.</summary>
    Task<bool> CancelPendingAsync(Activity activity, string cancelledBy, CancellationToken cancellationToken);

    /// <summary>Asks the run of a started activity to stop at its next safe point, on whichever node runs it; null when no node answers for it.</summary>
    Task<StopAnswer?> RequestStopAsync(string activityId, string requestedBy, CancellationToken cancellationToken);
}

/// <summary>
/// Cancelling an activity, for the API and the UI alike: who may (whoever may start that type of activity: the environment
/// Admin for snapshots, restores and deletions), and what a cancel does in each state.
/// </summary>
public sealed class ActivityCancelService(ActivityFeedService feed, AccessGuard guard, IActivityRepository activities, IActivityCancellations cancellations)
{
    /// <summary>
    /// The activity after the request: cancelled when it was pending; still in progress when it was asked to stop (it ends
    /// cancelled at its next safe point). Refused when it already ended, or when it is past the point where it can stop.
    /// </summary>
    public async Task<Activity> CancelAsync(Actor actor, string projectId, string activityId, CancellationToken cancellationToken)
    {
        var activity = await feed.GetAsync(actor, projectId, activityId, cancellationToken);
        if (ActivityTypes.IsExecutable(activity.Type))
        {
            var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, activity.EnvironmentName, cancellationToken);
            AccessGuard.Enforce(SnapshotRules.CheckAdmin(roles, environment.Type, $"cancel {ActivityTypes.Label(activity.Type)} activities"));
        }

        if (activity.State == ActivityState.Pending)
        {
            if (await cancellations.CancelPendingAsync(activity, actor.DisplayName, cancellationToken))
            {
                return await ReloadAsync(activity, cancellationToken);
            }

            // The worker started it in the meantime: it is asked to stop like any running activity.
            activity = await ReloadAsync(activity, cancellationToken);
        }

        if (activity.State == ActivityState.InProgress)
        {
            var answer = await cancellations.RequestStopAsync(activity.Id, actor.DisplayName, cancellationToken);
            if (answer is { Stopping: true })
            {
                return activity;
            }

            activity = await ReloadAsync(activity, cancellationToken);
            if (activity.State == ActivityState.InProgress)
            {
                throw new PortalRefusedException(new Refusal(RefusalCode.ActivityCannotStop, answer?.CannotStop
                    ?? $"Activity {activity.Id} is running, but no Portal node answered for its run, so it cannot be stopped now; it will finish."));
            }
        }

        throw new PortalRefusedException(Finished(activity));
    }

    private static Refusal Finished(Activity activity)
    {
        var when = activity.CompletedAt is { } at ? " at " + at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "";
        return new Refusal(RefusalCode.ActivityFinished, activity.State == ActivityState.Cancelled
            ? $"Activity {activity.Id} was already cancelled{when}; there is nothing to cancel."
            : $"Activity {activity.Id} already finished{when} ({activity.Result?.ToString().ToLowerInvariant() ?? "complete"}); there is nothing to cancel.");
    }

    private async Task<Activity> ReloadAsync(Activity activity, CancellationToken cancellationToken) =>
        await activities.FindAsync(activity.ProjectId, activity.Id, cancellationToken) ?? activity;
}
