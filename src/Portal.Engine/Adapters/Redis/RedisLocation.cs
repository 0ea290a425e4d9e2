namespace Portal.Engine.Adapters.Redis;

using System.Globalization;
using StackExchange.Redis;

/// <summary>
/// A Redis service's location: a StackExchange.Redis configuration string, plus Portal's own <c>stagingDatabase=N</c>. With
/// it a restore loads the keys into database N while the environment's database is untouched, then switches the two with
/// one SWAPDB; it needs <c>defaultDatabase</c> (the one database the service owns) and a database nothing else uses.
/// </summary>
internal sealed record RedisLocation(ConfigurationOptions Options, int? StagingDatabase)
{
    private const string StagingKey = "stagingDatabase";

    /// <summary>Parses the location; throws <see cref="SnapshotEngineException"/> with a sentence naming the service and the problem.</summary>
    public static RedisLocation Parse(ServiceSpec spec)
    {
        int? staging = null;
        var rest = new List<string>();
        foreach (var part in spec.Location.Split(','))
        {
            var (key, value) = part.IndexOf('=', StringComparison.Ordinal) is var at and > 0 ? (part[..at].Trim(), part[(at + 1)..].Trim()) : (part.Trim(), "");
            if (!key.Equals(StagingKey, StringComparison.OrdinalIgnoreCase))
            {
                rest.Add(part);
                continue;
            }

            staging = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? index
                : throw new SnapshotEngineException($"Redis service '{spec.Name}': {StagingKey} must be a database number (got \"{value}\").");
        }

        var options = ServiceEntries.ParseLocation(spec with { Location = string.Join(',', rest) }, "Redis", ConfigurationOptions.Parse);
        if (staging is { } s)
        {
            if (options.DefaultDatabase is not { } own)
            {
                throw new SnapshotEngineException($"Redis service '{spec.Name}': {StagingKey} needs defaultDatabase, the one database the service restores into.");
            }

            if (own == s)
            {
                throw new SnapshotEngineException($"Redis service '{spec.Name}': {StagingKey} must differ from defaultDatabase ({own}).");
            }
        }

        return new RedisLocation(options, staging);
    }
}
