namespace Portal.Bench;

using Portal.Core.Activities;

/// <summary>One generated activity; the environment is an index into the environments created through EF.</summary>
internal readonly record struct ActivityRow(
    string Id,
    int EnvironmentIndex,
    string Type,
    ActivityState State,
    ActivityResult? Result,
    int CompletionPercent,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string Log,
    string? SnapshotId,
    string? Payload,
    string Text,
    string InitiatedBy,
    string? Reason);

/// <summary>
/// A deterministic, realistic feed: ~10 % snapshots, ~5 % restores, the rest pushes, crons, redeploys, variable updates,
/// merges, syncs and branches; created over one year in insertion order (so the sequence follows time, as in production);
/// environments picked uniformly; almost everything complete and successful. Same seed, same rows on every provider.
/// </summary>
internal sealed class ActivityGenerator(int count, IReadOnlyList<string> environmentNames, DateTimeOffset end, int seed)
{
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

    private static readonly (string Type, double Share)[] Mix =
    [
        (ActivityTypes.Snapshot, 0.10),
        (ActivityTypes.Restore, 0.05),
        (ActivityTypes.Push, 0.30),
        (ActivityTypes.Cron, 0.25),
        (ActivityTypes.Redeploy, 0.10),
        (ActivityTypes.Variable, 0.08),
        (ActivityTypes.Merge, 0.05),
        (ActivityTypes.Sync, 0.05),
        (ActivityTypes.Branch, 0.02),
    ];

    private static readonly (string Id, string Name)[] Users =
    [
        ("alice", "Alice Anderson"), ("bob", "Bob Brennan"), ("carol", "Carol Castillo"), ("dave", "Dave Dimitriou"),
        ("erin", "Erin Eastwood"), ("frank", "Frank Fitzgerald"),
    ];

    public int Count => count;

    public IReadOnlyList<string> EnvironmentNames => environmentNames;

    public DateTimeOffset Start => end.AddDays(-365);

    public IEnumerable<ActivityRow> Rows()
    {
        var random = new Random(seed);
        var start = Start;
        var step = (end - start).Ticks / (double)count;
        var logs = Logs();
        var id = new char[13];
        for (var i = 0; i < count; i++)
        {
            // Monotonic in i, jittered, truncated to microseconds (timestamptz precision) so both providers store the same value.
            var ticks = start.UtcTicks + (long)((i + random.NextDouble()) * step);
            var createdAt = new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
            var type = PickType(random.NextDouble());
            var environment = random.Next(environmentNames.Count);
            var environmentName = environmentNames[environment];
            var user = type == ActivityTypes.Cron ? ("system", "Cron") : Users[random.Next(Users.Length)];

            ActivityState state;
            ActivityResult? result;
            string? reason = null;
            var roll = random.NextDouble();
            if (i >= count - 20)
            {
                // The newest few are still queued or running, as on a live system.
                state = i == count - 1 ? ActivityState.InProgress : ActivityState.Pending;
                result = null;
            }
            else if (roll < 0.96)
            {
                state = ActivityState.Complete;
                result = ActivityResult.Success;
            }
            else if (roll < 0.99)
            {
                state = ActivityState.Complete;
                result = ActivityResult.Failure;
                reason = "The mysql service did not answer within 300 seconds; the environment was left unchanged.";
            }
            else
            {
                state = ActivityState.Cancelled;
                result = null;
                reason = "Cancelled by " + user.Item2 + " before it started.";
            }

            DateTimeOffset? startedAt = state is ActivityState.Pending ? null : createdAt.AddMilliseconds(200 + random.Next(5_000));
            DateTimeOffset? completedAt = state is ActivityState.Complete or ActivityState.Cancelled
                ? startedAt!.Value.AddSeconds(1 + random.Next(600))
                : null;

            for (var c = 0; c < id.Length; c++)
            {
                id[c] = IdAlphabet[random.Next(IdAlphabet.Length)];
            }

            string? snapshotId = null;
            string? payload = null;
            if (type == ActivityTypes.Snapshot)
            {
                snapshotId = "snap" + random.Next(100_000_000).ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
                payload = random.Next(10) == 0 ? """{"live":true}""" : """{"live":false}""";
            }
            else if (type == ActivityTypes.Restore)
            {
                snapshotId = "snap" + random.Next(100_000_000).ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
                payload = """{"safetySnapshot":true}""";
            }

            yield return new ActivityRow(
                new string(id),
                environment,
                type,
                state,
                result,
                state == ActivityState.Complete ? 100 : state == ActivityState.InProgress ? random.Next(100) : 0,
                createdAt,
                startedAt,
                completedAt,
                logs[type][random.Next(logs[type].Length)],
                snapshotId,
                payload,
                Text(type, user.Item2, environmentName),
                user.Item1,
                reason);
        }
    }

    private static string PickType(double roll)
    {
        foreach (var (type, share) in Mix)
        {
            if (roll < share)
            {
                return type;
            }

            roll -= share;
        }

        return ActivityTypes.Push;
    }

    // ~60 characters, like the texts the app writes ("Alice created a snapshot of develop-branch").
    private static string Text(string type, string user, string environment) => type switch
    {
        ActivityTypes.Snapshot => $"{user} created a snapshot of {environment}",
        ActivityTypes.Restore => $"{user} restored a snapshot of {environment}",
        ActivityTypes.Push => $"{user} pushed 3 commits to {environment}",
        ActivityTypes.Cron => $"Cron job 'cleanup' ran on {environment}",
        ActivityTypes.Redeploy => $"{user} redeployed the environment {environment}",
        ActivityTypes.Variable => $"{user} updated the variable env:SHOP_MODE on {environment}",
        ActivityTypes.Merge => $"{user} merged {environment} into its parent main",
        ActivityTypes.Sync => $"{user} synchronized {environment} from its parent main",
        _ => $"{user} branched {environment} from main",
    };

    // A few hundred bytes of log per activity; a handful of variants per type is enough for realistic row sizes.
    private static Dictionary<string, string[]> Logs()
    {
        var logs = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (type, _) in Mix)
        {
            logs[type] = Enumerable.Range(0, 8).Select(variant => string.Join('\n',
                $"[00:00:00] Starting {type} (worker {variant + 1})",
                "[00:00:01] Checking the environment state: active, services: app, mysql, redis, files",
                $"[00:00:02] Step 1/3 finished in {variant + 1}.{variant * 7 % 10} s",
                "[00:00:04] Step 2/3: writing the archive to the object store (zstd level 3)",
                $"[00:00:09] Step 3/3 finished, {12 + variant * 5} MB transferred",
                "[00:00:09] Done.")).ToArray();
        }

        return logs;
    }
}
