namespace Portal.Infrastructure.Activities;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Persistence.Configurations;

/// <summary>Persists the activity as pending (durable before anything runs), then wakes the worker and tells the UI.</summary>
internal sealed class ActivityQueue(
    IDbContextFactory<PortalDbContext> contexts, ActivitySignal signal, LiveUpdates.NodeWakeUps wakeUps, IActivityEvents events, IOptions<ConfiguredProjects> projects)
    : IActivityQueue
{
    public async Task EnqueueAsync(Activity activity, Snapshot? creates, CancellationToken cancellationToken)
    {
        activity.State = ActivityState.Pending;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Activities.Add(activity);
            db.Entry(activity).Property(LeaseColumns.Placement).CurrentValue = Placement(activity);
            if (creates is not null)
            {
                db.Snapshots.Add(creates);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        signal.Wake();
        // Other nodes too: this one may be busy or may not claim work at all (web-only).
        await wakeUps.AnnounceAsync(CancellationToken.None);
        events.Publish(new ActivityUpdate(activity.Id, activity.ProjectId, activity.EnvironmentId, activity.Type,
            activity.State, activity.Result, 0, null, null, IsNew: true));
    }

    /// <summary>The label its environment is declared with; undeclared environments (the demo's) run on any node.</summary>
    private string Placement(Activity activity) =>
        projects.Value.Items.FirstOrDefault(p => p.Id == activity.ProjectId)?.Environments
            .FirstOrDefault(e => e.Name == activity.EnvironmentName)?.Placement ?? LeaseColumns.AnyNode;
}
