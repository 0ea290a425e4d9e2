namespace Portal.Web.Api;

using Portal.Contracts;
using Portal.Core.Schedules;
using Portal.Web.Identity;
using static Portal.Web.Api.ApiDescriptions;

/// <summary>An environment's snapshot schedule: read it with its next runs, set it, remove it.</summary>
internal static class ScheduleApi
{
    public static RouteGroupBuilder MapScheduleApi(this RouteGroupBuilder environment)
    {
        var schedule = environment.MapGroup("/schedule");
        schedule.MapGet("/", async (string projectId, string environment, CurrentActor me, ScheduleService service, CancellationToken ct) =>
            ToDto(await service.GetAsync(await me.GetAsync(), projectId, environment, ct)))
            .Describe(Tags.Schedules, "Get the environment's snapshot schedule and its next five runs");
        schedule.MapPut("/", async (string projectId, string environment, JsonBody<SetScheduleRequest> body, CurrentActor me, ScheduleService service, CancellationToken ct) =>
            ToDto(await service.SetAsync(await me.GetAsync(), projectId, environment, body.Value.Cron, body.Value.Live, ct)))
            .WithJsonBody<SetScheduleRequest>()
            .Describe(Tags.Schedules, "Set the environment's snapshot schedule: a cron expression in the project's time zone, at most hourly", StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        schedule.MapDelete("/", async (string projectId, string environment, CurrentActor me, ScheduleService service, CancellationToken ct) =>
            ToDto(await service.RemoveAsync(await me.GetAsync(), projectId, environment, ct)))
            .Describe(Tags.Schedules, "Remove the environment's snapshot schedule; removing none changes nothing", StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        return environment;
    }

    private static ScheduleDto ToDto(ScheduleView view) => new(
        view.Environment.Name, view.Schedule?.Cron, view.Schedule?.Live ?? false, view.TimeZone.Id, view.Schedule?.Declared ?? false,
        view.NextRuns, view.Schedule?.LastRunAt, view.CannotEdit is null, view.CannotEdit?.Message);
}
