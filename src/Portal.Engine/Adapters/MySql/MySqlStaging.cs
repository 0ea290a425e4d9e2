namespace Portal.Engine.Adapters.MySql;

using System.Globalization;
using MySqlConnector;

/// <summary>
/// The place one MariaDB restore builds its new tables in, opened only after everything the commit will need is
/// proven — the privileges on the target (and on the staging databases, which decide where the tables are built), the
/// readability of the target's routines, and disk space for a second copy in the data directory — and after the
/// copies a killed run of the same target left are dropped. Disposing it drops what was staged.
/// </summary>
internal sealed class MySqlStaging : IAsyncDisposable
{
    private readonly bool _createdTarget;

    private MySqlStaging(MySqlTarget target, MySqlStage stage, string dataDirectory, long neededBytes, bool createdTarget)
    {
        Target = target;
        Stage = stage;
        DataDirectory = dataDirectory;
        NeededBytes = neededBytes;
        _createdTarget = createdTarget;
    }

    public MySqlTarget Target { get; }

    public MySqlStage Stage { get; }

    /// <summary>The server's data directory as it reports it; Portal may or may not reach it.</summary>
    public string DataDirectory { get; }

    private long NeededBytes { get; }

    /// <summary>
    /// Checks, cleans and opens the staging place. neededBytes is a rough size of the new tables; mayStayInside says
    /// whether the tables can be built inside the target when the user may not create the staging databases.
    /// </summary>
    public static async Task<MySqlStaging> OpenAsync(MySqlTarget target, long neededBytes, bool mayStayInside, EngineContext context)
    {
        var token = context.CancellationToken;
        await using var connection = await target.ConnectAsync(null, token);
        var dataDirectory = await DataDirectoryAsync(connection, token);
        if (context.Options.MySqlPreflight)
        {
            await CheckPrivilegesAsync(connection, target, token);
        }

        var besideAllowed = await MayStageBesideAsync(connection, target.Database, token);
        if (!besideAllowed && !mayStayInside)
        {
            throw new SnapshotEngineException(
                $"MySQL service '{target.Service}': this snapshot holds InnoDB table files, which a restore imports into a staging database "
                + $"{MySqlStage.Beside(target.Database).StagingDatabase} beside the target, and the MariaDB user {await MySqlPrivileges.CurrentUserAsync(connection, token)} "
                + $"may not create it (it needs {string.Join(", ", MySqlPrivileges.Staging)} on databases named portal_stage_* and portal_hold_*, e.g. GRANT … ON `portal\\_%`.*). "
                + "Grant them, or restore a snapshot taken with Engine:MySqlMethod=Logical. Nothing was changed.");
        }

        var stage = besideAllowed ? MySqlStage.Beside(target.Database) : MySqlStage.Inside(target.Database);
        // What a killed restore of this target staged is only ever a copy of a snapshot; what it held is kept (see MySqlStage).
        await stage.DropStagedAsync(connection, dataDirectory);
        if (context.Options.MySqlPreflight)
        {
            CheckSpace(target, dataDirectory, neededBytes);
        }

        var createdTarget = false;
        if (stage.InTarget && !await ExistsAsync(connection, target.Database, token))
        {
            await MySqlTables.ExecuteAsync(connection, $"CREATE DATABASE {Quote(target.Database)} CHARACTER SET {Quote(target.Charset)} COLLATE {Quote(target.Collation)}", token);
            createdTarget = true;
        }

        if (!stage.InTarget)
        {
            await MySqlTables.ExecuteAsync(connection, $"CREATE DATABASE {Quote(stage.StagingDatabase)} CHARACTER SET {Quote(target.Charset)} COLLATE {Quote(target.Collation)}", token);
        }

        return new MySqlStaging(target, stage, dataDirectory, neededBytes, createdTarget);
    }

    /// <summary>True when the database exists on the server.</summary>
    public static async Task<bool> ExistsAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @db";
        command.Parameters.AddWithValue("@db", database);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Runs build; when it fails, drops what was staged and rethrows the failure in words the user can act on.</summary>
    public async Task<T> BuildAsync<T>(Func<Task<T>> build)
    {
        try
        {
            return await build();
        }
        catch (Exception ex)
        {
            await DisposeAsync();
            var explained = Explain(ex);
            if (explained == ex)
            {
                throw;
            }

            throw explained;
        }
    }

    /// <summary>A failure while building the new tables, in words the user can act on: a full disk names the data directory and the space needed.</summary>
    private Exception Explain(Exception ex)
    {
        // A bad object found while its rows streamed into LOAD DATA reaches here wrapped by the driver: it is the cause to report.
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SnapshotCorruptException corrupt)
            {
                return corrupt;
            }
        }

        if (IsDiskFull(ex))
        {
            return new SnapshotEngineException(
                $"Service '{Target.Service}': the MariaDB server {Target.Address} ran out of disk space in its data directory {DataDirectory} while the restore "
                + $"was building the new tables; it needs about {ByteSize.Format(NeededBytes)} free there (the old tables stay until the new ones are in). "
                + "Free space there and restore again; the database was not changed.",
                ex);
        }

        return ex is MySqlException
            ? new SnapshotEngineException($"Service '{Target.Service}': building the new tables in {Stage.StagingDatabase} failed: {ex.Message} The database was not changed.", ex)
            : ex;
    }

    /// <summary>Drops what this restore staged, and the target database if this restore created it and it stayed empty.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var connection = await Target.ConnectAsync(null, CancellationToken.None);
            await Stage.DropStagedAsync(connection, DataDirectory);
            if (_createdTarget && (await MySqlStage.TablesAsync(connection, Target.Database, "")).Count == 0)
            {
                await MySqlTables.ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {Quote(Target.Database)}", CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is MySqlException or SnapshotEngineException or IOException)
        {
            // Best effort: the next restore of this target drops the same staged tables first.
        }
    }

    private static async Task CheckPrivilegesAsync(MySqlConnection connection, MySqlTarget target, CancellationToken token)
    {
        var granted = await MySqlPrivileges.OnDatabaseAsync(connection, target.Database, token);
        var missing = MySqlPrivileges.Missing(granted, MySqlPrivileges.Restore);
        if (missing.Count > 0)
        {
            throw new SnapshotEngineException(MySqlPrivileges.Describe(target.Service, await MySqlPrivileges.CurrentUserAsync(connection, token), target.Database, missing)
                + " Nothing was changed.");
        }

        // The commit drops the target's routines before creating the snapshot's; it must be able to put them back.
        if (await MySqlPrivileges.UnreadableRoutinesAsync(connection, target.Database, token) is { Count: > 0 } unreadable)
        {
            throw new SnapshotEngineException(MySqlPrivileges.DescribeUnreadable(target.Service, await MySqlPrivileges.CurrentUserAsync(connection, token), unreadable, "to keep them until the restore is complete")
                + " Nothing was changed.");
        }
    }

    private static async Task<bool> MayStageBesideAsync(MySqlConnection connection, string database, CancellationToken token)
    {
        foreach (var name in MySqlStage.BesideDatabases(database))
        {
            var granted = await MySqlPrivileges.OnDatabaseAsync(connection, name, token);
            if (!MySqlPrivileges.Staging.All(granted.Contains))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Refuses before anything is built when the data directory (where Portal reaches it) cannot take a second copy.</summary>
    private static void CheckSpace(MySqlTarget target, string dataDirectory, long neededBytes)
    {
        if (!Directory.Exists(dataDirectory) || DiskFailures.FreeBytes(dataDirectory) is not { } free)
        {
            return;
        }

        if (free < neededBytes)
        {
            throw new SnapshotEngineException(
                $"Service '{target.Service}': the MariaDB server {target.Address} has {ByteSize.Format(free)} free in its data directory {dataDirectory}, and this restore "
                + $"needs about {ByteSize.Format(neededBytes)} there to build the new tables beside the old ones. Free space there and restore again; nothing was changed.");
        }
    }

    private static bool IsDiskFull(Exception? ex) => ex switch
    {
        null => false,
        MySqlException { Number: 1114 or 1021 } => true,
        IOException io when DiskFailures.IsDiskFull(io) => true,
        _ when ex.Message.Contains("No space left on device", StringComparison.Ordinal)
            || ex.Message.Contains("errno: 28", StringComparison.Ordinal)
            || ex.Message.Contains("Errcode: 28", StringComparison.Ordinal)
            || ex.Message.Contains("ERROR 1114", StringComparison.Ordinal) => true,
        _ => IsDiskFull(ex.InnerException),
    };

    private static async Task<string> DataDirectoryAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT @@datadir";
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "";
    }

    private static string Quote(string identifier) => MySqlTables.Quote(identifier);
}
