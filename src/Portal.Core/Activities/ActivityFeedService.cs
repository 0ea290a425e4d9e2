namespace Portal.Core.Activities;

using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>The environment messages: filtered, keyset-paged, and the recording of activities that happen elsewhere.</summary>
public sealed class ActivityFeedService(AccessGuard guard, IActivityRepository activities, TimeProvider time)
{
    public async Task<ActivityPage> ListAsync(Actor actor, ActivityQuery query, CancellationToken cancellationToken)
    {
        if (query.PageSize is < 1 or > ActivityQuery.MaxPageSize)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput,
                $"Page size must be between 1 and {ActivityQuery.MaxPageSize}."));
        }

        return await RunAfterViewCheck(actor, query.ProjectId, query.EnvironmentName,
            () => activities.ListAsync(query, cancellationToken), cancellationToken);
    }

    public async Task<Activity> GetAsync(Actor actor, string projectId, string activityId, CancellationToken cancellationToken)
    {
        await guard.RequireProjectAsync(actor, projectId, cancellationToken);
        var activity = PortalIds.IsWellFormed(activityId) ? await activities.FindAsync(projectId, activityId, cancellationToken) : null;
        if (activity is null)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.ActivityNotFound, $"Activity '{activityId}' was not found."));
        }

        await guard.RequireEnvironmentAsync(actor, projectId, activity.EnvironmentName, cancellationToken);
        return activity;
    }

    public Task<IReadOnlyList<string>> ListTypesAsync(Actor actor, string projectId, string? environmentName, CancellationToken cancellationToken) =>
        RunAfterViewCheck(actor, projectId, environmentName, () => activities.ListTypesAsync(projectId, environmentName, cancellationToken), cancellationToken);

    /// <summary>Records something done outside Portal (a push, a cron run…); contributors and admins may tell.</summary>
    public async Task<Activity> RecordAsync(Actor actor, string projectId, string environmentName, string type, string text, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        if (roles.RoleOn(environment.Type) is not (EnvironmentRole.Admin or EnvironmentRole.Contributor))
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.MissingRole,
                $"You need the Contributor or Admin role on {environment.Type.ToApiName()} environments to record activities."));
        }

        if (ActivityTypes.FromLabelOrName(type) is not { } known || ActivityTypes.IsExecutable(known))
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput,
                $"'{type}' cannot be recorded; snapshots and restores are created through their own actions."));
        }

        if (string.IsNullOrWhiteSpace(text) || text.Length > 500)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput, "The activity text must have 1 to 500 characters."));
        }

        var now = time.GetUtcNow();
        var activity = new Activity
        {
            Id = PortalIds.New(),
            ProjectId = projectId,
            EnvironmentId = environment.Id,
            EnvironmentName = environment.Name,
            Type = known,
            State = ActivityState.Complete,
            Result = ActivityResult.Success,
            CompletionPercent = 100,
            CreatedAt = now,
            StartedAt = now,
            CompletedAt = now,
            Text = text.Trim(),
            InitiatedBy = actor.UserId,
        };
        await activities.AddCompletedAsync(activity, cancellationToken);
        return activity;
    }

    private async Task<T> RunAfterViewCheck<T>(Actor actor, string projectId, string? environmentName, Func<Task<T>> read, CancellationToken cancellationToken)
    {
        if (environmentName is null)
        {
            await guard.RequireProjectAsync(actor, projectId, cancellationToken);
        }
        else
        {
            await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        }

        return await read();
    }
}
