namespace Portal.Infrastructure.Persistence;

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Engine;

/// <summary>
/// At start, before the database is opened: the data folder, the SQLite database (and its -wal, -shm, -journal) and the
/// whole snapshot store are made owner-only (<see cref="OwnerOnly"/>), and the log says what was tightened. Files an older
/// Portal left readable under the usual umask 0022 are closed here; a file Portal may not change is logged, never fatal.
/// </summary>
internal sealed class OwnerOnlyFiles(
    IOptions<PortalOptions> portal, IOptions<DatabaseOptions> database, IOptions<EngineOptions> engine, ILogger<OwnerOnlyFiles> logger)
{
    private static readonly string[] SqliteCompanions = ["", "-wal", "-shm", "-journal"];

    public void Apply()
    {
        var dataPath = portal.Value.ResolvedDataPath;
        OwnerOnly.CreateFolder(dataPath);
        var tightened = new List<string>();
        var failures = new List<string>();
        Record(OwnerOnly.Tighten(dataPath, recursive: false), tightened, failures);
        if (SqliteFile(database.Value, portal.Value) is { } file)
        {
            OwnerOnly.EnsureFile(file);
            foreach (var companion in SqliteCompanions)
            {
                Record(OwnerOnly.Tighten(file + companion, recursive: false), tightened, failures);
            }
        }

        var store = OwnerOnly.Tighten(engine.Value.StorePath, recursive: true);
        Record(store, tightened, failures);
        if (store.Folders + store.Files > 0)
        {
            tightened.Add($"{store.Folders:N0} folders and {store.Files:N0} files in the snapshot store {engine.Value.StorePath}");
        }

        if (tightened.Count > 0)
        {
            logger.LogWarning("Made owner-only (folders 0700, files 0600), as other local users could read them: {Tightened}", string.Join("; ", tightened));
        }

        if (failures.Count > 0)
        {
            logger.LogWarning("Could not make {Count} of Portal's files owner-only; other local users may read them. First: {First}", failures.Count, failures[0]);
        }
    }

    /// <summary>The SQLite metadata database file, or null on PostgreSQL or an in-memory database.</summary>
    public static string? SqliteFile(DatabaseOptions database, PortalOptions portal)
    {
        if (database.Provider != DatabaseProvider.Sqlite)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(database.ConnectionString))
        {
            return Path.Combine(portal.ResolvedDataPath, DefaultSqliteFile);
        }

        var builder = new SqliteConnectionStringBuilder(database.ConnectionString);
        return builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:" ? null : Path.GetFullPath(builder.DataSource);
    }

    public const string DefaultSqliteFile = "portal.db";

    private static void Record(TightenResult result, List<string> tightened, List<string> failures)
    {
        tightened.AddRange(result.Named);
        failures.AddRange(result.Failures);
    }
}
