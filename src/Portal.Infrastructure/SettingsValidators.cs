namespace Portal.Infrastructure;

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Core.Common;
using Portal.Engine;
using Portal.Infrastructure.Hosting;

/// <summary>Refuses to start on a data folder Portal cannot use or a demo setting out of range, naming it.</summary>
internal sealed class PortalOptionsValidator : IValidateOptions<PortalOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        var problems = new SettingProblems();
        // The path as written, when there is one: LocalFolder reports a path it cannot even resolve instead of throwing.
        if (LocalFolder.Problem(string.IsNullOrWhiteSpace(options.DataPath) ? options.ResolvedDataPath : options.DataPath) is { } folder)
        {
            problems.Add($"{PortalOptions.Section}:{nameof(options.DataPath)}", folder);
        }

        problems.Range($"{PortalOptions.Section}:Demo:{nameof(DemoOptions.MediaFiles)}", options.Demo.MediaFiles, 0, DemoOptions.MaxMediaFiles);
        return problems.Result;
    }
}

internal sealed class ActivityOptionsValidator : IValidateOptions<ActivityOptions>
{
    public ValidateOptionsResult Validate(string? name, ActivityOptions options)
    {
        var problems = new SettingProblems();
        const string At = ActivityOptions.Section + ":";
        problems.Range(At + nameof(options.MaxParallelEnvironments), options.MaxParallelEnvironments, 1, 64);
        problems.Range(At + nameof(options.ProgressFlushMilliseconds), options.ProgressFlushMilliseconds, 50, 60_000);
        problems.Range(At + nameof(options.PollMilliseconds), options.PollMilliseconds, 100, 600_000);
        problems.Between(At + nameof(options.LeaseDuration), options.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (options.LeaseRenewalInterval is { } renewal && (renewal <= TimeSpan.Zero || renewal >= options.LeaseDuration))
        {
            // A renewal as late as the lease itself would let a live node's work be taken over.
            problems.Add(At + nameof(options.LeaseRenewalInterval), $"must be more than 0 and less than {At}{nameof(options.LeaseDuration)} ({options.LeaseDuration:c}) (got {renewal:c})");
        }

        if (options.NodeId is { Length: > 0 } node && (node.Length > 100 || node.Any(char.IsWhiteSpace)))
        {
            problems.Add(At + nameof(options.NodeId), $"must be at most 100 characters without spaces (got '{node}')");
        }

        for (var i = 0; i < options.NodeLabels?.Count; i++)
        {
            var label = options.NodeLabels[i];
            if (string.IsNullOrWhiteSpace(label) || label.Length > 64)
            {
                problems.Add($"{At}{nameof(options.NodeLabels)}:{i}", $"must be a label of 1 to 64 characters (got '{label}')");
            }
        }

        return problems.Result;
    }
}

internal sealed class BackgroundOptionsValidator : IValidateOptions<BackgroundOptions>
{
    public ValidateOptionsResult Validate(string? name, BackgroundOptions options)
    {
        var problems = new SettingProblems();
        const string At = BackgroundOptions.Section + ":";
        problems.Between(At + nameof(options.ServiceCheckInterval), options.ServiceCheckInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        problems.Between(At + nameof(options.ExpirySweepInterval), options.ExpirySweepInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        problems.Between(At + nameof(options.VerifySweepInterval), options.VerifySweepInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        problems.Between(At + nameof(options.StoreSizeInterval), options.StoreSizeInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        problems.Between(At + nameof(options.SchedulerInterval), options.SchedulerInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        return problems.Result;
    }
}

/// <summary>The provider and its connection string; the string itself is never repeated, as it may hold a password.</summary>
internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    private const string Provider = DatabaseOptions.Section + ":" + nameof(DatabaseOptions.Provider);
    private const string ConnectionString = DatabaseOptions.Section + ":" + nameof(DatabaseOptions.ConnectionString);

    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var problems = new SettingProblems();
        problems.Defined(Provider, options.Provider);
        if (options.Provider == DatabaseProvider.PostgreSQL)
        {
            problems.Required(ConnectionString, options.ConnectionString, "when Database:Provider is PostgreSQL, e.g. Host=db;Database=portal;Username=portal;Password=…");
            if (!string.IsNullOrWhiteSpace(options.ConnectionString) && Parse(problems, () => new NpgsqlConnectionStringBuilder(options.ConnectionString)) is { } postgres
                && string.IsNullOrWhiteSpace(postgres.Host))
            {
                problems.Add(ConnectionString, "must name the PostgreSQL server (Host=…)");
            }
        }
        else if (options.Provider == DatabaseProvider.Sqlite && !string.IsNullOrWhiteSpace(options.ConnectionString)
            && Parse(problems, () => new SqliteConnectionStringBuilder(options.ConnectionString)) is { } sqlite)
        {
            CheckSqliteFile(problems, sqlite);
        }

        return problems.Result;
    }

    private static void CheckSqliteFile(SettingProblems problems, SqliteConnectionStringBuilder sqlite)
    {
        if (string.IsNullOrWhiteSpace(sqlite.DataSource))
        {
            problems.Add(ConnectionString, "must name the SQLite database file (Data Source=…)");
        }
        else if (sqlite.Mode != SqliteOpenMode.Memory && sqlite.DataSource != ":memory:"
            && Path.GetDirectoryName(Path.GetFullPath(sqlite.DataSource)) is { } folder && !Directory.Exists(folder))
        {
            problems.Add(ConnectionString, $"names an SQLite database in a folder that does not exist ({folder})");
        }
    }

    private static T? Parse<T>(SettingProblems problems, Func<T> parse)
        where T : class
    {
        try
        {
            return parse();
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            problems.Add(ConnectionString, $"cannot be read: {ex.Message}");
            return null;
        }
    }
}
