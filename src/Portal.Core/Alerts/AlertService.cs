namespace Portal.Core.Alerts;

using Portal.Core.Access;
using Portal.Core.Common;

/// <summary>What the project's webhooks were sent, and how each delivery went: for the project's admins.</summary>
public sealed class AlertService(AccessGuard guard, IWebhookDeliveryRepository deliveries)
{
    public const int Shown = 100;

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(Actor actor, string projectId, CancellationToken cancellationToken)
    {
        var roles = await guard.RequireProjectAsync(actor, projectId, cancellationToken);
        if (roles.ProjectRole != ProjectRole.Admin)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.MissingRole, "You need the Admin role on the project to see its webhook deliveries."));
        }

        return await deliveries.ListAsync(projectId, Shown, cancellationToken);
    }
}
