namespace Portal.Core.Alerts;

using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Snapshots;

/// <summary>An environment's open alerts (its banner), closing one, and what the project's webhooks and recipients were sent.</summary>
public sealed class AlertService(AccessGuard guard, IAlertRepository alerts, IAlertDeliveryRepository deliveries, TimeProvider time)
{
    public const int Shown = 100;

    /// <summary>Everyone who sees the environment sees its open alerts (a failed snapshot concerns all who rely on it); its admins may dismiss them.</summary>
    public async Task<EnvironmentAlerts> ListOpenAsync(Actor actor, string projectId, string environmentName, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        var open = await alerts.ListOpenAsync(environment.Id, cancellationToken);
        return new EnvironmentAlerts(open, SnapshotRules.CheckAdmin(roles, environment.Type, "dismiss alerts") is null);
    }

    public async Task DismissAsync(Actor actor, string projectId, string environmentName, Guid alertId, CancellationToken cancellationToken)
    {
        var (environment, roles) = await guard.RequireEnvironmentAsync(actor, projectId, environmentName, cancellationToken);
        AccessGuard.Enforce(SnapshotRules.CheckAdmin(roles, environment.Type, "dismiss alerts"));
        if (!await alerts.CloseAsync(environment.Id, alertId, $"dismissed by {actor.DisplayName}", time.GetUtcNow(), cancellationToken))
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.AlertNotFound, $"{environment.Name} has no open alert {Refusal.Quote(alertId.ToString("N"))}."));
        }
    }

    public async Task<IReadOnlyList<AlertDelivery>> ListDeliveriesAsync(Actor actor, string projectId, CancellationToken cancellationToken)
    {
        var roles = await guard.RequireProjectAsync(actor, projectId, cancellationToken);
        if (roles.ProjectRole != ProjectRole.Admin)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.MissingRole, "You need the Admin role on the project to see its alert deliveries."));
        }

        return await deliveries.ListAsync(projectId, Shown, cancellationToken);
    }
}

/// <summary>An environment's banner: its open alerts, newest first, and whether the viewer may dismiss them.</summary>
public sealed record EnvironmentAlerts(IReadOnlyList<Alert> Open, bool CanDismiss);
