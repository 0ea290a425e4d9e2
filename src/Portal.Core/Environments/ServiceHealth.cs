namespace Portal.Core.Environments;

using System.Collections.Concurrent;

/// <summary>
/// What is wrong with each environment's services right now (missing folder, missing client tool, unreachable
/// server), as last checked; shown on the environment instead of failing Portal's start.
/// </summary>
public sealed class ServiceHealth
{
    private readonly ConcurrentDictionary<Guid, IReadOnlyList<string>> _problems = new();

    public IReadOnlyList<string> ProblemsOf(Guid environmentId) =>
        _problems.TryGetValue(environmentId, out var problems) ? problems : [];

    public void Record(Guid environmentId, IReadOnlyList<string> problems) => _problems[environmentId] = problems;
}
