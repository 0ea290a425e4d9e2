namespace Portal.Core.Activities;

using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>The environment messages: filtered, keyset-paged, and the recording of activities that happen elsewhere.</summary>
public sealed class ActivityFeedService(AccessGuard guard, IActivityRepository activities, TimeProvider time)
{
    private const int MaxTextLength = 500;

    public async Task<ActivityPage> ListAsync(Actor actor, ActivityQuery query, CancellationToken cancellationToken)
    {
        if (query.PageSize is < 1 or > ActivityQuery.MaxPageSize)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput, ActivityQuery.PageSizeRule));
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
            throw new PortalRefusedException(new Refusal(RefusalCode.ActivityNotFound, $"Activity {Refusal.Quote(activityId)} was not found."));
        }

        await guard.RequireEnvironmentAsync(actor, projectId, activity.EnvironmentName, cancellationToken);
        return activity;
    }

    public Task<IReadOnlyList<string>> ListTypesAsync(Actor actor, string projectId, string? environmentName, CancellationToken cancellationToken) =>
        RunAfterViewCheck(actor, projectId, environmentName, () => activities.ListTypesAsync(projectId, environmentName, cancellationToken), cancellationToken);

    /// <summary>
    /// Records something done outside Portal (a push, a cron run…) that a contributor or admin reports through the API.
    /// Only <see cref="ActivityTypes.Reportable"/> types are accepted: Portal's own types are never taken on someone's word.
    /// The entry keeps who reported it and through what (<see cref="ActivityReport"/>).
    /// </summary>
    public async Task<Activity> ReportAsync(
        Actor actor, string projectId, string environmentName, string? type, string? text, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        if (roles.RoleOn(environment.Type) is not (EnvironmentRole.Admin or EnvironmentRole.Contributor) and var role)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.MissingRole,
                $"You need the Contributor or Admin role on {environment.Type.ToApiName()} environments to report activities; "
                + $"your role there is {role?.ToString().ToLowerInvariant() ?? "none"}."));
        }

        var reportable = ReportableType(type);
        AccessGuard.Enforce(OneLineText.Check("The activity 'text'", text, MaxTextLength));
        var report = new ActivityReport { ReportedBy = actor.DisplayName, ReportedVia = ActivityReport.ViaApi };
        return await AddCompletedAsync(actor, environment, reportable, text!.Trim(), report.ToJson(), cancellationToken);
    }

    /// <summary>Portal's own record of a change it made (a user access change), after the caller checked the actor may make it.</summary>
    internal Task<Activity> RecordOwnAsync(Actor actor, ProjectEnvironment environment, string type, string text, CancellationToken cancellationToken) =>
        AddCompletedAsync(actor, environment, type, text, null, cancellationToken);

    /// <summary>A feed entry for something done at once (nothing to run): complete and successful when it is recorded.</summary>
    internal static Activity Completed(
        Actor actor, ProjectEnvironment environment, string type, string text, DateTimeOffset now, string? payload = null, string? snapshotId = null) => new()
    {
        Id = PortalIds.New(),
        ProjectId = environment.ProjectId,
        EnvironmentId = environment.Id,
        EnvironmentName = environment.Name,
        Type = type,
        State = ActivityState.Complete,
        Result = ActivityResult.Success,
        CompletionPercent = 100,
        CreatedAt = now,
        StartedAt = now,
        CompletedAt = now,
        Text = text,
        InitiatedBy = actor.UserId,
        Payload = payload,
        SnapshotId = snapshotId,
    };

    /// <summary>The API name of a type that may be reported, or a refusal that names the <c>type</c> field and the allowed values.</summary>
    private static string ReportableType(string? type)
    {
        var allowed = $"'type' must be one of: {string.Join(", ", ActivityTypes.Reportable.Select(ActivityTypes.Label))}.";
        if (string.IsNullOrWhiteSpace(type))
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput, $"An activity needs a type: {allowed}"));
        }

        var known = ActivityTypes.FromLabelOrName(type.Trim());
        return known switch
        {
            null => throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput, $"{Refusal.Quote(type)} is not an activity type; {allowed}")),
            _ when !ActivityTypes.IsReportable(known) => throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput,
                $"'{ActivityTypes.Label(known)}' activities are recorded by Portal itself and cannot be reported; {allowed}")),
            _ => known,
        };
    }

    private async Task<Activity> AddCompletedAsync(
        Actor actor, ProjectEnvironment environment, string type, string text, string? payload, CancellationToken cancellationToken)
    {
        var activity = Completed(actor, environment, type, text, time.GetUtcNow(), payload);
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
