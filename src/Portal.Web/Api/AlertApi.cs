namespace Portal.Web.Api;

using Portal.Contracts;
using Portal.Core.Alerts;
using Portal.Core.Common;
using Portal.Web.Identity;
using static Portal.Web.Api.ApiDescriptions;

/// <summary>An environment's open alerts (its banner) and dismissing one; what the project's webhooks and recipients were sent.</summary>
internal static class AlertApi
{
    public static RouteGroupBuilder MapEnvironmentAlertApi(this RouteGroupBuilder environment)
    {
        var alerts = environment.MapGroup("/alerts");
        alerts.MapGet("/", async (string projectId, string environment, CurrentActor me, AlertService service, CancellationToken ct) =>
            (await service.ListOpenAsync(await me.GetAsync(), projectId, environment, ct)).Open.Select(ToDto))
            .Describe(Tags.Alerts, "List the environment's open alerts, newest first: failed or cancelled activities, overruns, missed scheduled snapshots");
        alerts.MapDelete("/{alertId}", async (string projectId, string environment, string alertId, CurrentActor me, AlertService service, CancellationToken ct) =>
        {
            if (!Guid.TryParseExact(alertId, "N", out var id))
            {
                throw new PortalRefusedException(new Refusal(RefusalCode.AlertNotFound, $"{environment} has no open alert {Refusal.Quote(alertId)}."));
            }

            var actor = await me.GetAsync();
            await service.DismissAsync(actor, projectId, environment, id, ct);
            return (await service.ListOpenAsync(actor, projectId, environment, ct)).Open.Select(ToDto);
        })
            .Describe(Tags.Alerts, "Dismiss an open alert (environment admins): it leaves the environment's banner; answers the alerts still open",
                StatusCodes.Status403Forbidden);
        return environment;
    }

    /// <summary>What the project's webhooks and e-mail recipients were sent and how each delivery went (project admins).</summary>
    public static RouteGroupBuilder MapAlertDeliveryApi(this RouteGroupBuilder project)
    {
        project.MapGet("/alert-deliveries", async (string projectId, CurrentActor me, AlertService service, CancellationToken ct) =>
            (await service.ListDeliveriesAsync(await me.GetAsync(), projectId, ct)).Select(d => new AlertDeliveryDto(
                d.Id.ToString("N"), d.AlertId.ToString("N"), d.Channel.ToString().ToLowerInvariant(), d.Target, d.ActivityId, d.Event,
                d.Status.ToString().ToLowerInvariant(), d.Attempts, d.CreatedAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null,
                d.DeliveredAt, d.LastStatusCode, d.LastError)))
            .Describe(Tags.Alerts, "List the alerts sent to the project's webhooks and e-mail recipients, newest first, with each delivery's outcome", StatusCodes.Status403Forbidden);
        return project;
    }

    private static AlertDto ToDto(Alert alert) =>
        new(alert.Id.ToString("N"), alert.EnvironmentName, alert.Event, alert.Message, alert.RaisedAt, alert.ActivityId);
}
