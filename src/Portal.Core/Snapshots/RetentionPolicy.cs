namespace Portal.Core.Snapshots;

using Portal.Core.Environments;

/// <summary>
/// How long an environment type keeps its snapshots (<c>Snapshots:Retention:{production|staging|development}</c>), shaped like
/// Upsun's <c>data_retention</c>. Manual snapshots (and a restore's safety snapshots) are kept <see cref="ManualDays"/> days;
/// of the ones people created, at most <see cref="ManualMax"/> (0: no limit), the oldest rotated out first. Automated snapshots
/// are kept by buckets (see <see cref="SnapshotRetention"/>). Pinned snapshots are left out of all of it.
/// </summary>
public sealed class RetentionPolicy
{
    public const int MaxCount = 1000;

    /// <summary>Days a manual snapshot stays restorable; unset takes <c>Snapshots:RetentionDays</c> (7), today's restore window.</summary>
    public int? ManualDays { get; set; }

    /// <summary>At most this many manual snapshots are kept (pinned and safety snapshots not counted); 0 keeps any number.</summary>
    public int ManualMax { get; set; }

    public int Hourly { get; set; } = 24;
    public int Daily { get; set; } = 7;
    public int Weekly { get; set; } = 4;
    public int Monthly { get; set; } = 3;

    /// <summary>The policy in a few characters for the project overview's column: "manual 7 d · auto 24h 7d 4w 3m".</summary>
    public string Describe(int defaultManualDays)
    {
        var manual = $"manual {ManualDays ?? defaultManualDays} d" + (ManualMax > 0 ? $" (max {ManualMax})" : "");
        var buckets = new[] { (Hourly, "h"), (Daily, "d"), (Weekly, "w"), (Monthly, "m") }.Where(b => b.Item1 > 0).Select(b => $"{b.Item1}{b.Item2}").ToList();
        return $"{manual} · auto {(buckets.Count == 0 ? "none" : string.Join(' ', buckets))}";
    }

    /// <summary>The same in words, for a tooltip and screen readers: "manual snapshots 7 days; automated ones 24 hourly, 7 daily, 4 weekly, 3 monthly".</summary>
    public string DescribeInWords(int defaultManualDays)
    {
        var manual = $"manual snapshots {ManualDays ?? defaultManualDays} days" + (ManualMax > 0 ? $", at most {ManualMax}" : "");
        var buckets = new[] { (Hourly, "hourly"), (Daily, "daily"), (Weekly, "weekly"), (Monthly, "monthly") }
            .Where(b => b.Item1 > 0).Select(b => $"{b.Item1} {b.Item2}").ToList();
        return $"{manual}; automated ones {(buckets.Count == 0 ? "none kept" : string.Join(", ", buckets))}";
    }

    /// <summary>
    /// The end of a snapshot's restore window: manual ones after their days; automated ones after the span of the longest
    /// bucket (3 monthly: 3 months), an upper bound, since the buckets usually rotate them out before.
    /// </summary>
    public DateTimeOffset ExpiresAt(DateTimeOffset createdAt, bool automated, int defaultManualDays)
    {
        if (!automated)
        {
            return createdAt.AddDays(ManualDays ?? defaultManualDays);
        }

        return Monthly > 0 ? createdAt.AddMonths(Monthly)
            : Weekly > 0 ? createdAt.AddDays(7 * Weekly)
            : Daily > 0 ? createdAt.AddDays(Daily)
            : createdAt.AddHours(Hourly);
    }
}

/// <summary>One retention policy per environment type.</summary>
public sealed class RetentionOptions
{
    public RetentionPolicy Production { get; set; } = new();
    public RetentionPolicy Staging { get; set; } = new();
    public RetentionPolicy Development { get; set; } = new();

    public RetentionPolicy For(EnvironmentType type) => type switch
    {
        EnvironmentType.Production => Production,
        EnvironmentType.Staging => Staging,
        _ => Development,
    };
}
