namespace Portal.Infrastructure.Activities;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Persistence;

/// <summary>Persists the activity as pending (durable before anything runs), then wakes the worker and tells the UI.</summary>
internal sealed class ActivityQueue(IDbContextFactory<PortalDbContext> contexts, ActivitySignal signal, IActivityEvents events) : IActivityQueue
{
    public async Task EnqueueAsync(Activity activity, Snapshot? creates, CancellationToken cancellationToken)
    {
        activity.State = ActivityState.Pending;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Activities.Add(activity);
            if (creates is not null)
            {
                db.Snapshots.Add(creates);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        signal.Wake();
        events.Publish(new ActivityUpdate(activity.Id, activity.ProjectId, activity.EnvironmentId, activity.Type,
            activity.State, activity.Result, 0, null, null, IsNew: true));
    }
}
