namespace Portal.Infrastructure.Hosting;

using System.Collections.Concurrent;

/// <summary>When each periodic service last finished a run successfully, so readiness can tell a stuck or stopped one.</summary>
public sealed class Heartbeats(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Heartbeat> _last = new(StringComparer.Ordinal);

    public void Beat(string service, TimeSpan interval) => _last[service] = new Heartbeat(time.GetUtcNow(), interval);

    public Heartbeat? Last(string service) => _last.TryGetValue(service, out var beat) ? beat : null;

    /// <summary>False before the first successful run and once the last one is older than <see cref="Heartbeat.StaleAfter"/>.</summary>
    public bool IsFresh(string service) => Last(service) is { } beat && time.GetUtcNow() - beat.At <= beat.StaleAfter;
}

public sealed record Heartbeat(DateTimeOffset At, TimeSpan Interval)
{
    /// <summary>Three missed runs, plus 30 s so a slow run or a pause of the process is not mistaken for a stuck service.</summary>
    public TimeSpan StaleAfter => (Interval * 3) + TimeSpan.FromSeconds(30);
}
