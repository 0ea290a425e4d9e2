namespace Portal.Core.Snapshots;

using System.Globalization;

/// <summary>Why the retention policy lets a snapshot go.</summary>
public enum RetentionReason
{
    /// <summary>Its restore window ended (<see cref="Snapshot.ExpiresAt"/>).</summary>
    Expired,

    /// <summary>Newer manual snapshots fill <see cref="RetentionPolicy.ManualMax"/>.</summary>
    OverManualMax,

    /// <summary>No hourly, daily, weekly or monthly bucket keeps it.</summary>
    OutOfBuckets,
}

public sealed record RetentionDecision(Snapshot Snapshot, RetentionReason Reason)
{
    public string Describe(RetentionPolicy policy) => Reason switch
    {
        RetentionReason.Expired => $"its restore window ended on {SnapshotRules.FormatUtc(Snapshot.ExpiresAt)}",
        RetentionReason.OverManualMax => $"at most {policy.ManualMax} manual snapshots are kept",
        _ => $"no bucket keeps it (keeping {policy.Hourly} hourly, {policy.Daily} daily, {policy.Weekly} weekly, {policy.Monthly} monthly)",
    };
}

/// <summary>
/// The retention policy as pure functions over one environment's snapshots, so the sweep, the create dialog's preview and
/// the tests share one reading of it. Only complete (Created), unpinned snapshots are ever let go.
/// Buckets follow restic's <c>forget --keep-hourly/daily/weekly/monthly</c>: walking the snapshots newest first, each bucket
/// keeps the newest snapshot of each of the last N periods (hours, days, ISO weeks, calendar months, in UTC) that have a
/// snapshot, so a schedule that stops leaves its last snapshots kept rather than rotating them all out (until their window,
/// the longest bucket's span, ends).
/// </summary>
public static class SnapshotRetention
{
    /// <summary>The snapshots the policy lets go as of <paramref name="now"/>, oldest first, each with the first reason that applies.</summary>
    public static IReadOnlyList<RetentionDecision> ToLetGo(IEnumerable<Snapshot> snapshots, RetentionPolicy policy, DateTimeOffset now)
    {
        var candidates = snapshots.Where(s => s.Status == SnapshotStatus.Created && !s.IsPinned)
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id, StringComparer.Ordinal).ToList();
        var decisions = new List<RetentionDecision>();

        var manual = candidates.Where(s => !s.Automated && !s.IsSafetySnapshot).ToList();
        var overMax = policy.ManualMax > 0 ? manual.Skip(policy.ManualMax).ToHashSet() : [];
        // A snapshot past its window takes no bucket's place: it goes anyway, and an older one may be kept instead.
        var kept = KeptByBuckets(candidates.Where(s => s.Automated && now < s.ExpiresAt).ToList(), policy);
        foreach (var snapshot in candidates)
        {
            RetentionReason? reason = now >= snapshot.ExpiresAt ? RetentionReason.Expired
                : overMax.Contains(snapshot) ? RetentionReason.OverManualMax
                : snapshot.Automated && !kept.Contains(snapshot) ? RetentionReason.OutOfBuckets
                : null;
            if (reason is { } why)
            {
                decisions.Add(new RetentionDecision(snapshot, why));
            }
        }

        decisions.Reverse();
        return decisions;
    }

    /// <summary>
    /// The manual snapshots a new manual snapshot would push out of <see cref="RetentionPolicy.ManualMax"/>, oldest first; the ones
    /// still being created count, as they will be complete before the new one.
    /// </summary>
    public static IReadOnlyList<Snapshot> RotatedOutByNewManual(IEnumerable<Snapshot> snapshots, RetentionPolicy policy)
    {
        if (policy.ManualMax <= 0)
        {
            return [];
        }

        var manual = snapshots.Where(s => s.Status is SnapshotStatus.Created or SnapshotStatus.Creating && !s.IsPinned && !s.Automated && !s.IsSafetySnapshot)
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id, StringComparer.Ordinal).ToList();
        return [.. manual.Skip(policy.ManualMax - 1).Where(s => s.Status == SnapshotStatus.Created).Reverse()];
    }

    /// <summary>restic's rule: newest first, a snapshot is kept when it opens a new period in any bucket that still has room.</summary>
    private static HashSet<Snapshot> KeptByBuckets(IReadOnlyList<Snapshot> newestFirst, RetentionPolicy policy)
    {
        var buckets = new (int Left, Func<DateTime, string> Period, string? Last)[]
        {
            (policy.Hourly, t => t.ToString("yyyyMMddHH", CultureInfo.InvariantCulture), null),
            (policy.Daily, t => t.ToString("yyyyMMdd", CultureInfo.InvariantCulture), null),
            (policy.Weekly, t => $"{ISOWeek.GetYear(t)}W{ISOWeek.GetWeekOfYear(t)}", null),
            (policy.Monthly, t => t.ToString("yyyyMM", CultureInfo.InvariantCulture), null),
        };
        var kept = new HashSet<Snapshot>();
        foreach (var snapshot in newestFirst)
        {
            var utc = snapshot.CreatedAt.UtcDateTime;
            for (var i = 0; i < buckets.Length; i++)
            {
                if (buckets[i].Left > 0 && buckets[i].Period(utc) is var period && period != buckets[i].Last)
                {
                    buckets[i].Last = period;
                    buckets[i].Left--;
                    kept.Add(snapshot);
                }
            }
        }

        return kept;
    }
}
