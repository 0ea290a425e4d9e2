namespace Portal.Engine;

using Portal.Engine.Adapters;

/// <summary>
/// Checks, without changing anything, that a service can be snapshotted here, through the check of the adapter of its kind.
/// Returns why not, in words an admin can act on; null when all is well.
/// </summary>
public sealed class ServiceChecker
{
    private readonly ServiceAdapters _adapters;

    internal ServiceChecker(IEnumerable<IServiceAdapter> adapters) => _adapters = new ServiceAdapters(adapters);

    public async Task<string?> CheckAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            return await _adapters.For(spec.Kind).CheckAsync(spec, cancellationToken);
        }
        catch (SnapshotEngineException ex)
        {
            return ex.Message;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            return $"Service '{spec.Name}': its connection setting is not valid ({ex.Message}).";
        }
    }
}
