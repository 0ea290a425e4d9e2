namespace Portal.Core.Alerts;

public interface IAlertDeliveryRepository
{
    /// <summary>The project's newest deliveries first.</summary>
    Task<IReadOnlyList<AlertDelivery>> ListAsync(string projectId, int limit, CancellationToken cancellationToken);
}
