namespace Portal.Core.Alerts;

public interface IWebhookDeliveryRepository
{
    /// <summary>The project's newest deliveries first.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListAsync(string projectId, int limit, CancellationToken cancellationToken);
}
