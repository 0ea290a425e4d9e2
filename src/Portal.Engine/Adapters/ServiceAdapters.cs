namespace Portal.Engine.Adapters;

using Portal.Contracts;

/// <summary>The registered adapters by kind; refuses, when built, two adapters claiming one kind or a kind without one.</summary>
internal sealed class ServiceAdapters
{
    private readonly Dictionary<ServiceKind, IServiceAdapter> _byKind = [];

    public ServiceAdapters(IEnumerable<IServiceAdapter> adapters)
    {
        var problems = new List<string>();
        foreach (var adapter in adapters)
        {
            if (!_byKind.TryAdd(adapter.Kind, adapter))
            {
                problems.Add($"{adapter.Kind} is claimed by both {_byKind[adapter.Kind].GetType().Name} and {adapter.GetType().Name}");
            }
        }

        problems.AddRange(Enum.GetValues<ServiceKind>().Where(kind => !_byKind.ContainsKey(kind)).Select(kind => $"{kind} has no adapter"));
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"The snapshot engine's service adapters do not match the service kinds: {string.Join("; ", problems)}.");
        }
    }

    public IServiceAdapter For(ServiceKind kind) =>
        _byKind.TryGetValue(kind, out var adapter)
            ? adapter
            : throw new SnapshotEngineException($"Snapshots of {kind} services are not supported by this engine.");
}
