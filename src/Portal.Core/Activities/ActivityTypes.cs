namespace Portal.Core.Activities;

/// <summary>Activity type names as in the Platform.sh API, and the short labels the feed shows.</summary>
public static class ActivityTypes
{
    public const string Snapshot = "environment.backup";
    public const string Restore = "environment.restore";
    public const string SnapshotDelete = "environment.backup.delete";
    public const string SnapshotPin = "environment.backup.pin";
    public const string SnapshotUnpin = "environment.backup.unpin";

    /// <summary>Portal's own: re-reads a snapshot's stored objects and checks every hash (read-only).</summary>
    public const string SnapshotVerify = "environment.backup.verify";
    public const string Push = "environment.push";
    public const string Branch = "environment.branch";
    public const string Merge = "environment.merge";
    public const string Sync = "environment.synchronize";
    public const string Redeploy = "environment.redeploy";
    public const string Cron = "environment.cron";
    public const string Variable = "environment.variable.update";
    public const string AccessChange = "project.access.update";

    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal)
    {
        [Snapshot] = "snapshot",
        [Restore] = "restore",
        [SnapshotDelete] = "snapshot delete",
        [SnapshotPin] = "snapshot pin",
        [SnapshotUnpin] = "snapshot unpin",
        [SnapshotVerify] = "snapshot verify",
        [Push] = "push",
        [Branch] = "branch",
        [Merge] = "merge",
        [Sync] = "sync",
        [Redeploy] = "redeploy",
        [Cron] = "cron",
        [Variable] = "variable",
        [AccessChange] = "user access",
    };

    /// <summary>
    /// What happens outside Portal and may be reported to its feed (through the API), in the order the refusal lists them.
    /// Everything else is Portal's own: its snapshots, restores, deletions, pins and user access changes are only ever recorded
    /// by Portal, so a feed entry of those types always means Portal did it.
    /// </summary>
    public static readonly IReadOnlyList<string> Reportable = [Push, Branch, Merge, Sync, Redeploy, Cron, Variable];

    /// <summary>Types that Portal runs itself; the others are recorded as told.</summary>
    public static bool IsExecutable(string type) => type is Snapshot or Restore or SnapshotDelete or SnapshotVerify;

    public static bool IsReportable(string type) => Reportable.Contains(type, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> All => Labels.Keys;

    public static string Label(string type) => Labels.TryGetValue(type, out var label) ? label : type;

    /// <summary>Accepts the API name or the label ("snapshot"), so URLs and the CLI can use either.</summary>
    public static string? FromLabelOrName(string value)
    {
        if (Labels.ContainsKey(value))
        {
            return value;
        }

        foreach (var (name, label) in Labels)
        {
            if (string.Equals(label, value, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return null;
    }
}
