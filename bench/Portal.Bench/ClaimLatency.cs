namespace Portal.Bench;

/// <summary>One activity as the nodes benchmark read it back: its environment, the node that ran it and the times Portal recorded.</summary>
internal sealed record RecordedActivity(string Id, string Environment, string Node, DateTimeOffset CreatedAt, DateTimeOffset StartedAt, DateTimeOffset CompletedAt);

/// <summary>
/// How long one activity waited to start once it could: from the moment it became runnable (its creation, or the end of the
/// activity before it in its environment when it queued behind one) to its recorded start.
/// </summary>
/// <param name="Behind">It was created while an earlier activity of its environment had not ended, so it became runnable at that end.</param>
/// <param name="WaitedForCapacity">
/// At that moment the nodes' free slots (<c>Activities:MaxParallelEnvironments</c> each, less what they ran) were no more than
/// the older activities already runnable and not yet started, which Portal claims first: it waited for capacity, which is
/// throughput, not the claim path.
/// </param>
internal sealed record ClaimWait(RecordedActivity Activity, DateTimeOffset Runnable, bool Behind, bool WaitedForCapacity)
{
    public double Milliseconds => (Activity.StartedAt - Runnable).TotalMilliseconds;
}

/// <summary>The claim-to-start latency of activities, computed from the times Portal recorded for each of them.</summary>
internal static class ClaimLatency
{
    /// <summary>
    /// The wait of each measured activity. <paramref name="inQueueOrder"/> holds every activity of the run (warm-up ones too, so
    /// the first measured one of an environment knows what it queued behind) in the order they were queued; <paramref name="nodes"/>
    /// names every node that claims work, including any that ran none (it had free slots all along).
    /// </summary>
    public static IReadOnlyList<ClaimWait> Of(IReadOnlyList<RecordedActivity> inQueueOrder, IReadOnlySet<string> measured, IReadOnlyCollection<string> nodes, int slotsPerNode)
    {
        var runnable = new DateTimeOffset[inQueueOrder.Count];
        var behind = new bool[inQueueOrder.Count];
        var previousEnd = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        for (var i = 0; i < inQueueOrder.Count; i++)
        {
            var activity = inQueueOrder[i];
            behind[i] = previousEnd.TryGetValue(activity.Environment, out var end) && end > activity.CreatedAt;
            runnable[i] = behind[i] ? end : activity.CreatedAt;
            previousEnd[activity.Environment] = activity.CompletedAt;
        }

        var waits = new List<ClaimWait>();
        for (var i = 0; i < inQueueOrder.Count; i++)
        {
            if (!measured.Contains(inQueueOrder[i].Id))
            {
                continue;
            }

            var at = runnable[i];
            // An activity runs from its start until, not at, its end; one that starts at this very moment holds its slot already.
            var free = nodes.Sum(node => Math.Max(0, slotsPerNode - inQueueOrder.Where((a, j) => j != i && a.Node == node && a.StartedAt <= at && at < a.CompletedAt).Count()));
            var olderWaiting = Enumerable.Range(0, i).Count(j => runnable[j] <= at && inQueueOrder[j].StartedAt > at);
            waits.Add(new ClaimWait(inQueueOrder[i], at, behind[i], olderWaiting >= free));
        }

        return waits;
    }

    /// <summary>
    /// The timed workload: <paramref name="count"/> snapshots, each at an offset from the start with exponentially distributed
    /// gaps of mean <paramref name="meanGapMilliseconds"/> (arrivals as independent users and cron jobs make them), in an
    /// environment drawn uniformly; the same seed gives the same schedule for every node count.
    /// </summary>
    public static IReadOnlyList<(double OffsetMilliseconds, int Environment)> Arrivals(int seed, int count, int environments, double meanGapMilliseconds)
    {
        var random = new Random(seed);
        var offset = 0.0;
        var arrivals = new List<(double, int)>(count);
        for (var i = 0; i < count; i++)
        {
            arrivals.Add((offset, random.Next(environments)));
            offset += -Math.Log(1 - random.NextDouble()) * meanGapMilliseconds;
        }

        return arrivals;
    }
}
