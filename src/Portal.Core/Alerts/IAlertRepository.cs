namespace Portal.Core.Alerts;

public interface IAlertRepository
{
    /// <summary>The environment's open alerts, newest first.</summary>
    Task<IReadOnlyList<Alert>> ListOpenAsync(Guid environmentId, CancellationToken cancellationToken);

    /// <summary>How many open alerts each environment of the projects has (environments with none are left out).</summary>
    Task<IReadOnlyDictionary<Guid, int>> CountOpenAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken);

    /// <summary>Closes the alert if it is the environment's and still open; false when it is not (already closed, or unknown).</summary>
    Task<bool> CloseAsync(Guid environmentId, Guid alertId, string because, DateTimeOffset at, CancellationToken cancellationToken);
}
