namespace Portal.Web.Api;

using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Web.Identity;

/// <summary>The REST API scripts and the CLI use; every endpoint calls the application layer and nothing else.</summary>
internal static class PortalApi
{
    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter<RefusalEndpointFilter>();
        api.MapGet("/projects", async (CurrentActor me, EnvironmentDirectory directory, CancellationToken ct) =>
            (await directory.ListProjectsAsync(await me.GetAsync(), ct)).Select(p => new { id = p.Id, title = p.Title }));

        var project = api.MapGroup("/projects/{projectId}");
        project.MapGet("/environments", async (string projectId, CurrentActor me, EnvironmentDirectory directory, CancellationToken ct) =>
            Flatten(await directory.GetTreeAsync(await me.GetAsync(), projectId, ct)).Select(EnvironmentDto.From));
        project.MapGet("/activities/{activityId}", async (string projectId, string activityId, CurrentActor me, ActivityFeedService feed, CancellationToken ct) =>
            ActivityDto.From(await feed.GetAsync(await me.GetAsync(), projectId, activityId, ct), withLog: true));

        var environment = project.MapGroup("/environments/{environment}");
        environment.MapGet("/", async (string projectId, string environment, CurrentActor me, EnvironmentDirectory directory, CancellationToken ct) =>
            EnvironmentDto.From(await directory.GetAsync(await me.GetAsync(), projectId, environment, ct)));
        environment.MapGet("/activities", ListActivitiesAsync);
        environment.MapPost("/activities", async (string projectId, string environment, ReportActivityRequest body, CurrentActor me, ActivityFeedService feed, CancellationToken ct) =>
        {
            var activity = await feed.ReportAsync(await me.GetAsync(), projectId, environment, body.Type, body.Text, ct);
            return Results.Created($"/api/projects/{activity.ProjectId}/activities/{activity.Id}", ActivityDto.From(activity));
        });

        var snapshots = environment.MapGroup("/snapshots");
        snapshots.MapGet("/", async (string projectId, string environment, CurrentActor me, SnapshotService service, CancellationToken ct) =>
            (await service.ListAsync(await me.GetAsync(), projectId, environment, ct)).Select(SnapshotDto.From));
        snapshots.MapGet("/{snapshotId}", async (string projectId, string environment, string snapshotId, CurrentActor me, SnapshotService service, CancellationToken ct) =>
            SnapshotDto.From(await service.GetAsync(await me.GetAsync(), projectId, environment, snapshotId, ct)));
        snapshots.MapPost("/", async (string projectId, string environment, CreateSnapshotRequest? body, CurrentActor me, SnapshotService service, CancellationToken ct) =>
            Accepted(await service.CreateAsync(await me.GetAsync(), projectId, environment, body?.Live ?? false, ct)));
        snapshots.MapPost("/{snapshotId}/restore", async (string projectId, string environment, string snapshotId, RestoreSnapshotRequest? body, CurrentActor me, SnapshotService service, CancellationToken ct) =>
            Accepted(await service.RestoreAsync(await me.GetAsync(), projectId, environment, snapshotId,
                new RestoreOptions { TakeSafetySnapshot = body?.SafetySnapshot, TargetEnvironment = body?.Target }, ct)));
        snapshots.MapDelete("/{snapshotId}", async (string projectId, string environment, string snapshotId, CurrentActor me, SnapshotService service, CancellationToken ct) =>
            Accepted(await service.DeleteAsync(await me.GetAsync(), projectId, environment, snapshotId, ct)));
        return app;
    }

    private static async Task<IResult> ListActivitiesAsync(
        string projectId, string environment, string? type, string? state, string? result, string? after, int? limit,
        CurrentActor me, ActivityFeedService feed, CancellationToken ct)
    {
        var types = new List<string>();
        foreach (var value in Split(type))
        {
            types.Add(ActivityTypes.FromLabelOrName(value) ?? value);
        }

        if (!TryParseAll(Split(state), ParseState, out var states) || !TryParseAll(Split(result), ParseResult, out var results))
        {
            return ApiResults.BadRequest("state must be pending, in_progress, complete or cancelled; result must be success or failure.");
        }

        ActivityCursor? cursor = null;
        if (after is not null)
        {
            if (!ActivityCursor.TryParse(after, out var parsed))
            {
                return ApiResults.BadRequest("'after' is not a cursor this API returned.");
            }

            cursor = parsed;
        }

        var page = await feed.ListAsync(await me.GetAsync(), new ActivityQuery
        {
            ProjectId = projectId,
            EnvironmentName = environment,
            Types = types,
            States = states,
            Results = results,
            After = cursor,
            PageSize = limit ?? 20,
        }, ct);
        return Results.Ok(new ActivityPageDto([.. page.Items.Select(a => ActivityDto.From(a))], page.Next?.ToString()));
    }

    private static IResult Accepted(Activity activity) =>
        Results.Accepted($"/api/projects/{activity.ProjectId}/activities/{activity.Id}", ActivityDto.From(activity));

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
