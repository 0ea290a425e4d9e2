namespace Portal.Infrastructure;

/// <summary>Where Portal keeps its own files: the SQLite metadata database, the snapshot store, the demo's data.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>Empty means the user's local application data folder (e.g. ~/.local/share/Portal).</summary>
    public string DataPath { get; set; } = "";

    public DemoOptions Demo { get; set; } = new();

    public string ResolvedDataPath => string.IsNullOrWhiteSpace(DataPath)
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "Portal")
        : Path.GetFullPath(DataPath);
}

public sealed class DemoOptions
{
    /// <summary>Creates the "Demo shop" project with real data on disk when it is missing.</summary>
    public bool Enabled { get; set; }

    public const int MaxMediaFiles = 100_000;

    /// <summary>Number of generated media files per environment (a few hundred make a realistic snapshot).</summary>
    public int MediaFiles { get; set; } = 300;
}

public enum DatabaseProvider
{
    Sqlite,
    PostgreSQL,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for PostgreSQL; for SQLite, empty means <c>portal.db</c> in the data folder.</summary>
    public string? ConnectionString { get; set; }
}

public sealed class ActivityOptions
{
    public const string Section = "Activities";

    /// <summary>How many environments may run an activity at the same time (each runs one at a time).</summary>
    public int MaxParallelEnvironments { get; set; } = 2;

    /// <summary>Progress and log lines are written to the database at most this often.</summary>
    public int ProgressFlushMilliseconds { get; set; } = 500;

    /// <summary>A safety net for work enqueued by another process; new work in this process wakes the worker at once.</summary>
    public int PollMilliseconds { get; set; } = 5_000;

    /// <summary>With PostgreSQL: how long a claim holds without renewal; after that another node finishes the activity.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>With PostgreSQL: how often a node renews the leases of what it runs; null means a third of the duration.</summary>
    public TimeSpan? LeaseRenewalInterval { get; set; }

    public TimeSpan RenewalInterval => LeaseRenewalInterval ?? LeaseDuration / 3;

    /// <summary>This node's name in the activities it claims; empty means a random one per start, so two nodes never share one.</summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// The placement labels of the environments whose data this node reaches ("all": every one). Null means ["all"]; an empty
    /// list (configured as an empty value) makes a web-only node that claims nothing.
    /// </summary>
    public List<string>? NodeLabels { get; set; }

    /// <summary>False makes a web-only node: it serves pages and the API and queues work, and runs none.</summary>
    public bool ClaimsEnabled { get; set; } = true;
}
