namespace Portal.Web.Api;

using System.Globalization;
using Portal.Contracts;
using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Web.Identity;
using static Portal.Web.Api.ApiDescriptions;

/// <summary>The REST API scripts and the CLI use; every endpoint calls the application layer and nothing else.</summary>
internal static class PortalApi
{
    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization()
            .AddEndpointFilter<RefusalEndpointFilter>()
            .AddEndpointFilter<RequestProblemFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapTokenApi();
        api.MapGet("/projects", async (CurrentActor me, EnvironmentDirectory directory, CancellationToken ct) =>
            (await directory.ListProjectsAsync(await me.GetAsync(), ct)).Select(p => new ProjectDto(p.Id, p.Title)))
            .Describe(Tags.Projects, "List the projects you have a role on");

        var project = api.MapGroup("/projects/{projectId}").ProducesProblem(StatusCodes.Status404NotFound);
        project.MapGet("/environments", async (string projectId, CurrentActor me, EnvironmentDirectory directory, CancellationToken ct) =>
            Flatten(await directory.GetTreeAsync(await me.GetAsync(), projectId, ct)).Select(ApiMapping.ToDto))
            .Describe(Tags.Environments, "List the project's environments you may see, parents before their children");
        project.MapGet("/activities/{activityId}", async (string projectId, string activityId, CurrentActor me, ActivityFeedService feed, TimeProvider time, CancellationToken ct) =>
            ApiMapping.ToDto(await feed.GetAsync(await me.GetAsync(), projectId, activityId, ct), time.GetUtcNow(), withLog: true))
            .Describe(Tags.Activities, "Get one activity with its log");
        project.MapGet("/activities/{activityId}/events", async (string projectId, string activityId, CurrentActor me, ActivityFeedService feed, ActivityEventStream stream, CancellationToken ct) =>
        {
            var actor = await me.GetAsync();
            await feed.GetAsync(actor, projectId, activityId, ct); // refused (404) before the stream starts
            return TypedResults.ServerSentEvents(stream.FollowAsync(activityId, token => feed.GetAsync(actor, projectId, activityId, token), ct));
        })
            .Describe(Tags.Activities, "Follow an activity as server-sent events: 'log' lines so far and new, 'progress', and a last 'result' with the finished activity");
        project.MapPost("/activities/{activityId}/cancel", async (string projectId, string activityId, CurrentActor me, ActivityCancelService cancel, TimeProvider time, CancellationToken ct) =>
            Accepted(await cancel.CancelAsync(await me.GetAsync(), projectId, activityId, ct), time))
            .Produces<ActivityDto>(StatusCodes.Status202Accepted)
            .Describe(Tags.Activities, "Cancel an activity: a pending one at once, a running one at its next safe point (or 409 saying why it cannot stop)",
                StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);

        project.MapDelete("/members/{userId}/sessions", async (string projectId, string userId, CurrentActor me, UserAccessService access, TimeProvider time, CancellationToken ct) =>
            ApiMapping.ToDto(await access.SignOutEverywhereAsync(await me.GetAsync(), projectId, userId, ct), time.GetUtcNow()))
            .Describe(Tags.UserAccess, "Sign a member out everywhere (project admins)", StatusCodes.Status403Forbidden);

        var environment = project.MapGroup("/environments/{environment}");
        environment.MapGet("/", async (string projectId, string environment, CurrentActor me, EnvironmentDirectory directory, CancellationToken ct) =>
            ApiMapping.ToDto(await directory.GetAsync(await me.GetAsync(), projectId, environment, ct)))
            .Describe(Tags.Environments, "Get one environment: type, status, services and whether it can be snapshotted");
        environment.MapGet("/activities", ListActivitiesAsync)
            .Produces<ActivityPageDto>()
            .Describe(Tags.Activities, "List the environment's activities, newest first, filtered and keyset-paged", StatusCodes.Status400BadRequest);
        environment.MapPost("/activities", async (string projectId, string environment, JsonBody<ReportActivityRequest> body, CurrentActor me, ActivityFeedService feed, TimeProvider time, CancellationToken ct) =>
        {
            var activity = await feed.ReportAsync(await me.GetAsync(), projectId, environment, body.Value.Type, body.Value.Text, ct);
            return Results.Created($"/api/projects/{activity.ProjectId}/activities/{activity.Id}", ApiMapping.ToDto(activity, time.GetUtcNow()));
        })
            .WithJsonBody<ReportActivityRequest>()
            .Produces<ActivityDto>(StatusCodes.Status201Created)
            .Describe(Tags.Activities, "Record an activity done outside Portal (a push, a cron run…)", StatusCodes.Status403Forbidden);

        var snapshots = environment.MapGroup("/snapshots");
        snapshots.MapGet("/", async (string projectId, string environment, CurrentActor me, SnapshotService service, CancellationToken ct) =>
            (await service.ListAsync(await me.GetAsync(), projectId, environment, ct)).Select(ApiMapping.ToDto))
            .Describe(Tags.Snapshots, "List the environment's snapshots and whether each is restorable");
        snapshots.MapGet("/{snapshotId}", async (string projectId, string environment, string snapshotId, CurrentActor me, SnapshotService service, CancellationToken ct) =>
            ApiMapping.ToDto(await service.GetAsync(await me.GetAsync(), projectId, environment, snapshotId, ct)))
            .Describe(Tags.Snapshots, "Get one snapshot");
        snapshots.MapPost("/", async (string projectId, string environment, JsonBody<CreateSnapshotRequest> body, CurrentActor me, SnapshotService service, TimeProvider time, CancellationToken ct) =>
            Accepted(await service.CreateAsync(await me.GetAsync(), projectId, environment, body.Value.Live, ct), time))
            .WithJsonBody<CreateSnapshotRequest>()
            .Produces<ActivityDto>(StatusCodes.Status202Accepted)
            .Describe(Tags.Snapshots, "Queue a snapshot of the environment (live: without pausing it)", StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        snapshots.MapPost("/{snapshotId}/restore", async (string projectId, string environment, string snapshotId, JsonBody<RestoreSnapshotRequest> body, CurrentActor me, SnapshotService service, TimeProvider time, CancellationToken ct) =>
            Accepted(await service.RestoreAsync(await me.GetAsync(), projectId, environment, snapshotId,
                new RestoreOptions { TakeSafetySnapshot = body.Value.SafetySnapshot, TargetEnvironment = body.Value.Target }, ct), time))
            .WithJsonBody<RestoreSnapshotRequest>()
            .Produces<ActivityDto>(StatusCodes.Status202Accepted)
            .Describe(Tags.Snapshots, "Queue a restore of the snapshot; the answer names the safety snapshot it takes first", StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        snapshots.MapDelete("/{snapshotId}", async (string projectId, string environment, string snapshotId, CurrentActor me, SnapshotService service, TimeProvider time, CancellationToken ct) =>
            Accepted(await service.DeleteAsync(await me.GetAsync(), projectId, environment, snapshotId, ct), time))
            .Produces<ActivityDto>(StatusCodes.Status202Accepted)
            .Describe(Tags.Snapshots, "Queue the deletion of a snapshot", StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        snapshots.MapPut("/{snapshotId}/pin", async (string projectId, string environment, string snapshotId, JsonBody<PinSnapshotRequest> body, CurrentActor me, SnapshotService service, CancellationToken ct) =>
        {
            var actor = await me.GetAsync();
            await service.PinAsync(actor, projectId, environment, snapshotId, body.Value.Reason, ct);
            return ApiMapping.ToDto(await service.GetAsync(actor, projectId, environment, snapshotId, ct));
        })
            .WithJsonBody<PinSnapshotRequest>()
            .Describe(Tags.Snapshots, "Pin a complete snapshot with a reason: no rotation or expiry removes it, and it stays restorable, until it is unpinned",
                StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        snapshots.MapDelete("/{snapshotId}/pin", async (string projectId, string environment, string snapshotId, CurrentActor me, SnapshotService service, CancellationToken ct) =>
        {
            var actor = await me.GetAsync();
            await service.UnpinAsync(actor, projectId, environment, snapshotId, ct);
            return ApiMapping.ToDto(await service.GetAsync(actor, projectId, environment, snapshotId, ct));
        })
            .Describe(Tags.Snapshots, "Unpin a snapshot: the retention policy applies to it again (past its window, the next sweep expires it)",
                StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        snapshots.MapPost("/{snapshotId}/verify", async (string projectId, string environment, string snapshotId, CurrentActor me, SnapshotService service, TimeProvider time, CancellationToken ct) =>
            Accepted(await service.VerifyAsync(await me.GetAsync(), projectId, environment, snapshotId, ct), time))
            .Produces<ActivityDto>(StatusCodes.Status202Accepted)
            .Describe(Tags.Snapshots, "Queue a verify of the snapshot: every stored object is re-read and its hash checked; a damaged snapshot stops being restorable",
                StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        environment.MapScheduleApi();
        environment.MapEnvironmentAlertApi();
        project.MapAlertDeliveryApi();
        return app;
    }

    /// <summary>Gives the framework's own API problems (no such path, a method the path does not take) a detail, as every other API problem has.</summary>
    public static void DescribeUnmatchedCalls(ProblemDetailsOptions options) => options.CustomizeProblemDetails = context =>
    {
        var http = context.HttpContext;
        if (context.ProblemDetails.Detail is not null || !http.Request.Path.StartsWithSegments("/api"))
        {
            return;
        }

        var call = Refusal.Quote($"{http.Request.Method} {http.Request.Path}", maxLength: 300);
        context.ProblemDetails.Detail = context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => $"There is no API call {call}.",
            StatusCodes.Status405MethodNotAllowed => $"{call} is not allowed: this path answers {http.Response.Headers.Allow}.",
            _ => null,
        };
    };

    /// <summary>The feed, keyset-paged. Query values are read as text and checked here, so a bad one is a 400 that names it.</summary>
    private static async Task<IResult> ListActivitiesAsync(
        string projectId, string environment, string? type, string? state, string? result, string? after, string? limit,
        CurrentActor me, ActivityFeedService feed, TimeProvider time, CancellationToken ct)
    {
        var types = new List<string>();
        foreach (var value in Split(type))
        {
            if (ActivityTypes.FromLabelOrName(value) is not { } known)
            {
                return ApiResults.BadRequest($"'type' {Refusal.Quote(value)} is not an activity type: the types are "
                    + $"{string.Join(", ", ActivityTypes.All.Select(ActivityTypes.Label))}.");
            }

            types.Add(known);
        }

        if (!TryParseAll(Split(state), ParseState, out var states))
        {
            return ApiResults.BadRequest($"'state' must be pending, in_progress, complete or cancelled (several comma-separated); got {Refusal.Quote(state!)}.");
        }

        if (!TryParseAll(Split(result), ParseResult, out var results))
        {
            return ApiResults.BadRequest($"'result' must be success or failure; got {Refusal.Quote(result!)}.");
        }

        ActivityCursor? cursor = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (!ActivityCursor.TryParse(after, out var parsed))
            {
                return ApiResults.BadRequest("'after' is not a cursor this API returned: pass the 'next' of the previous page.");
            }

            cursor = parsed;
        }

        var pageSize = 20;
        if (!string.IsNullOrEmpty(limit) && !int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize))
        {
            return ApiResults.BadRequest(ActivityQuery.PageSizeRule);
        }

        var page = await feed.ListAsync(await me.GetAsync(), new ActivityQuery
        {
            ProjectId = projectId,
            EnvironmentName = environment,
            Types = types,
            States = states,
            Results = results,
            After = cursor,
            PageSize = pageSize,
        }, ct);
        return Results.Ok(new ActivityPageDto([.. page.Items.Select(a => ApiMapping.ToDto(a, time.GetUtcNow()))], page.Next?.ToString()));
    }

    private static IResult Accepted(Activity activity, TimeProvider time) =>
        Results.Accepted($"/api/projects/{activity.ProjectId}/activities/{activity.Id}", ApiMapping.ToDto(activity, time.GetUtcNow()));

    private static IEnumerable<EnvironmentView> Flatten(IEnumerable<EnvironmentNode> nodes) =>
        nodes.SelectMany(n => Flatten(n.Children).Prepend(n.View));

    private static string[] Split(string? csv) =>
        csv?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    private static ActivityState? ParseState(string value) => value switch
    {
        "pending" => ActivityState.Pending,
        "in_progress" => ActivityState.InProgress,
        "complete" => ActivityState.Complete,
        "cancelled" => ActivityState.Cancelled,
        _ => null,
    };

    private static ActivityResult? ParseResult(string value) => value switch
    {
        "success" => ActivityResult.Success,
        "failure" => ActivityResult.Failure,
        _ => null,
    };

    private static bool TryParseAll<T>(string[] values, Func<string, T?> parse, out List<T> parsed)
        where T : struct
    {
        parsed = [];
        foreach (var value in values)
        {
            if (parse(value) is not { } item)
            {
                return false;
            }

            parsed.Add(item);
        }

        return true;
    }
}
