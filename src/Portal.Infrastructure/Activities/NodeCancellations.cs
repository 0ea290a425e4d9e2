namespace Portal.Infrastructure.Activities;

using Portal.Core.Activities;
using Portal.Infrastructure.LiveUpdates;

/// <summary>Cancels through the database when pending; a running activity is asked on this node first, then on the others.</summary>
public sealed class NodeCancellations(RunningActivities local, PostgresStopRequests otherNodes) : IActivityCancellations
{
    public Task<bool> CancelPendingAsync(Activity activity, string cancelledBy, CancellationToken cancellationToken) =>
        local.CancelPendingAsync(activity, cancelledBy, cancellationToken);

    public async Task<StopAnswer?> RequestStopAsync(string activityId, string requestedBy, CancellationToken cancellationToken) =>
        local.RequestStop(activityId, requestedBy) ?? await otherNodes.AskOtherNodesAsync(activityId, requestedBy, cancellationToken);
}
