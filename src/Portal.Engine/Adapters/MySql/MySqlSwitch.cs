namespace Portal.Engine.Adapters.MySql;

using MySqlConnector;

/// <summary>
/// The commit of a MariaDB restore whose new tables are staged: one RENAME TABLE moves every old table into holding and
/// every new one in, around it the target's views, triggers, routines and events are replaced, and the old tables are
/// dropped only once all of that succeeded. A failure before then is rolled back step by step, so the target ends as it
/// was; a kill leaves old tables held (never dropped) and is finished by running prepare and commit again.
/// </summary>
/// <remarks>
/// Steps, each named for the test seam that stops a commit after any of them as a kill would:
/// check (the staged tables are all there; the target and the holding database exist), clear programs (the target's
/// views, triggers, routines and events are read, then dropped: RENAME cannot move a table with a trigger to another
/// database, and a new view or trigger may not meet an old one of the same name), switch (the one atomic RENAME),
/// foreign keys (inside the target only: the held tables give up their constraint names, which are unique per
/// database, and the new tables take them), defaults (the database's character set and collation), programs (the
/// snapshot's). Then the empty staging database is dropped, and the held tables in the background (HeldTableDrops).
/// </remarks>
internal sealed class MySqlSwitch(MySqlStaging staging, IReadOnlyList<string> tables, IReadOnlyList<MySqlForeignKey> foreignKeys, Func<CancellationToken, Task> loadPrograms)
    : IPreparedRestore
{
    private readonly string _generation = MySqlStage.NewGeneration();
    private readonly List<(string From, string To)> _renamed = [];
    private readonly List<(string Table, string Clause)> _heldForeignKeys = [];
    private MySqlConnection? _connection;
    private List<string> _staged = [];
    private (string Charset, string Collation)? _defaults;
    private List<MySqlProgram>? _programs;
    private bool _createdTarget;
    private bool _createdHolding;
    private bool _foreignKeysAdded;
    private bool _defaultsChanged;
    private bool _programsLoading;
    private bool _committed;

    private MySqlTarget Target => staging.Target;

    private MySqlStage Stage => staging.Stage;

    private string Database => Target.Database;

    private string Holding => Stage.HoldingDatabase(_generation);

    private MySqlConnection Connection => _connection ?? throw new InvalidOperationException("The commit has not started.");

    /// <summary>The commit's steps in order, for a test that stops after any of them as a kill would (no rollback, no cleanup).</summary>
    internal IReadOnlyList<(string Name, Func<CancellationToken, Task> Run)> Steps =>
    [
        ("check", CheckAsync),
        ("clear programs", ClearProgramsAsync),
        ("switch", SwitchAsync),
        ("foreign keys", ForeignKeysAsync),
        ("defaults", DefaultsAsync),
        ("programs", LoadProgramsAsync),
    ];

    public async Task CommitAsync(EngineContext context)
    {
        context.Progress.Phase($"Switching the restored MySQL tables into {Database} ({Target.Service})");
        string? step = null;
        try
        {
            foreach (var (name, run) in Steps)
            {
                step = name;
                await run(context.CancellationToken);
            }
        }
        catch (Exception ex)
        {
            var rollback = await RollbackAsync();
            if (ex is OperationCanceledException && rollback is null)
            {
                throw;
            }

            throw new SnapshotEngineException(await DescribeFailureAsync(step!, ex, rollback), ex);
        }

        _committed = true;
        try
        {
            if (Stage.InTarget || context.HeldDrops is null)
            {
                context.Progress.Phase($"Dropping the replaced MySQL tables {Target.Service}");
                await Stage.DropHeldAsync(Connection, staging.DataDirectory);
            }
            else
            {
                // Every holding database of this target is obsolete now that the snapshot is in, the ones a killed commit left too.
                context.HeldDrops.Schedule(Target, staging.DataDirectory, (await Stage.HoldingDatabasesAsync(Connection)).Where(Stage.IsHoldingDatabase));
                context.Progress.Phase($"The replaced MySQL tables of {Target.Service} are dropped in the background");
            }

            if (!Stage.InTarget)
            {
                await MySqlStage.DropDatabaseAsync(Connection, Stage.StagingDatabase, staging.DataDirectory);
            }
        }
        catch (Exception ex) when (ex is MySqlException or IOException)
        {
            // The restore is complete; the next successful restore of this target drops them.
            context.Warn($"MySQL service '{Target.Service}': the restore is complete, but the replaced tables could not be dropped: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync();
            _connection = null;
        }

        if (!_committed)
        {
            await staging.DisposeAsync();
        }
    }

    /// <summary>Runs the first count steps and stops, as if Portal were killed there: no rollback and no cleanup.</summary>
    internal async Task RunStepsAsync(int count, CancellationToken cancellationToken)
    {
        foreach (var (_, run) in Steps.Take(count))
        {
            await run(cancellationToken);
        }

        if (_connection is { } connection)
        {
            await connection.DisposeAsync();
            _connection = null;
        }

        _committed = true;
    }

    private async Task CheckAsync(CancellationToken token)
    {
        _connection = await Target.ConnectAsync(null, token);
        _staged = Stage.InTarget ? [.. tables] : await MySqlStage.TablesAsync(Connection, Stage.StagingDatabase, "");
        var present = (await MySqlStage.TablesAsync(Connection, Stage.StagingDatabase, "")).ToHashSet(StringComparer.Ordinal);
        if (tables.FirstOrDefault(t => !present.Contains(Stage.NewName(t))) is { } missing)
        {
            throw new SnapshotEngineException($"the staged table {missing} is no longer in {Stage.StagingDatabase}");
        }

        _defaults = await DefaultsOfAsync(token);
        if (_defaults is null)
        {
            await MySqlTables.ExecuteAsync(Connection, $"CREATE DATABASE {Quote(Database)} CHARACTER SET {Quote(Target.Charset)} COLLATE {Quote(Target.Collation)}", token);
            _createdTarget = true;
            _defaults = (Target.Charset, Target.Collation);
        }

        if (!Stage.InTarget)
        {
            await MySqlTables.ExecuteAsync(Connection, $"CREATE DATABASE {Quote(Holding)} CHARACTER SET {Quote(Target.Charset)} COLLATE {Quote(Target.Collation)}", token);
            _createdHolding = true;
        }

        // SHOW CREATE VIEW leaves names of the default database unqualified, so views come back in whichever database this is.
        await Connection.ChangeDatabaseAsync(Database, token);
    }

    private async Task ClearProgramsAsync(CancellationToken token)
    {
        _programs = await MySqlPrograms.ReadAsync(Connection, Database, token);
        await MySqlPrograms.DropAllAsync(Connection, Database, token);
    }

    private async Task SwitchAsync(CancellationToken token)
    {
        var old = (await MySqlStage.TablesAsync(Connection, Database, "")).Where(t => !Stage.IsWorkTable(t)).ToList();
        List<(string From, string To)> renames =
        [
            .. old.Select(t => (Name(Database, t), Name(Holding, Stage.HeldName(t, _generation)))),
            .. _staged.Select(t => (Name(Stage.StagingDatabase, Stage.NewName(t)), Name(Database, t))),
        ];
        if (renames.Count == 0)
        {
            return;
        }

        // One statement: MariaDB 10.6+ and MySQL 8 apply it whole or not at all, even across a crash.
        await MySqlTables.ExecuteAsync(Connection, "RENAME TABLE " + string.Join(", ", renames.Select(r => $"{r.From} TO {r.To}")), token);
        _renamed.AddRange(renames);
    }

    private async Task ForeignKeysAsync(CancellationToken token)
    {
        if (!Stage.InTarget)
        {
            return;
        }

        await MySqlTables.ExecuteAsync(Connection, "SET SESSION foreign_key_checks = 0", token);
        foreach (var held in await MySqlStage.TablesAsync(Connection, Database, "portal_old_"))
        {
            var clauses = MySqlDumpSplitter.ForeignKeyClauses(await CreateTableAsync(held, token));
            if (clauses.Count == 0)
            {
                continue;
            }

            _heldForeignKeys.AddRange(clauses.Select(c => (held, c.Clause)));
            await MySqlTables.ExecuteAsync(Connection, $"ALTER TABLE {Quote(held)} " + string.Join(", ", clauses.Select(c => "DROP FOREIGN KEY " + Quote(c.Name))), token);
        }

        _foreignKeysAdded = true;
        foreach (var group in foreignKeys.GroupBy(k => k.Table, StringComparer.Ordinal))
        {
            await MySqlTables.ExecuteAsync(Connection, $"ALTER TABLE {Quote(group.Key)} " + string.Join(", ", group.Select(k => "ADD " + k.Clause)), token);
        }
    }

    private async Task DefaultsAsync(CancellationToken token)
    {
        if (_defaults is { } defaults && (defaults.Charset != Target.Charset || defaults.Collation != Target.Collation))
        {
            _defaultsChanged = true;
            await MySqlTables.ExecuteAsync(Connection, $"ALTER DATABASE {Quote(Database)} CHARACTER SET {Quote(Target.Charset)} COLLATE {Quote(Target.Collation)}", token);
        }
    }

    private async Task LoadProgramsAsync(CancellationToken token)
    {
        _programsLoading = true;
        await loadPrograms(token);
    }

    /// <summary>Undoes the steps that ran, last first; returns null when the target is as it was, else why not.</summary>
    private async Task<Exception?> RollbackAsync()
    {
        if (_connection is null)
        {
            return null;
        }

        var none = CancellationToken.None;
        try
        {
            if (_programsLoading)
            {
                await MySqlPrograms.DropAllAsync(Connection, Database, none);
            }

            if (_defaultsChanged && _defaults is { } defaults)
            {
                await MySqlTables.ExecuteAsync(Connection, $"ALTER DATABASE {Quote(Database)} CHARACTER SET {Quote(defaults.Charset)} COLLATE {Quote(defaults.Collation)}", none);
            }

            if (_foreignKeysAdded)
            {
                await MySqlTables.ExecuteAsync(Connection, "SET SESSION foreign_key_checks = 0", none);
                foreach (var group in foreignKeys.GroupBy(k => k.Table, StringComparer.Ordinal))
                {
                    await MySqlTables.ExecuteAsync(Connection, $"ALTER TABLE {Quote(group.Key)} " + string.Join(", ", group.Select(k => "DROP FOREIGN KEY IF EXISTS " + Quote(k.Name))), none);
                }
            }

            foreach (var group in _heldForeignKeys.GroupBy(k => k.Table, StringComparer.Ordinal))
            {
                await MySqlTables.ExecuteAsync(Connection, $"ALTER TABLE {Quote(group.Key)} " + string.Join(", ", group.Select(k => "ADD " + k.Clause)), none);
            }

            if (_renamed.Count > 0)
            {
                // New tables leave before old ones come back under the same names.
                await MySqlTables.ExecuteAsync(Connection, "RENAME TABLE " + string.Join(", ", Enumerable.Reverse(_renamed).Select(r => $"{r.To} TO {r.From}")), none);
                _renamed.Clear();
            }

            if (_programs is not null)
            {
                await MySqlPrograms.DropAllAsync(Connection, Database, none);
                await MySqlPrograms.RecreateAsync(Connection, _programs, none);
            }

            if (_createdHolding)
            {
                await MySqlStage.DropDatabaseAsync(Connection, Holding, staging.DataDirectory);
            }

            if (_createdTarget)
            {
                await MySqlTables.ExecuteAsync(Connection, $"DROP DATABASE IF EXISTS {Quote(Database)}", none);
            }

            return null;
        }
        catch (Exception ex) when (ex is MySqlException or SnapshotEngineException or IOException)
        {
            return ex;
        }
    }

    private async Task<string> DescribeFailureAsync(string step, Exception ex, Exception? rollback)
    {
        var what = step switch
        {
            "check" => "checking the staged tables",
            "clear programs" => $"setting the views, triggers, routines and events of {Database} aside",
            "switch" => $"switching the new tables into {Database}",
            "foreign keys" => $"giving the new tables of {Database} their foreign keys",
            "defaults" => $"setting the character set of {Database}",
            _ => $"creating the snapshot's views, triggers, routines and events in {Database}",
        };
        var start = $"Service '{Target.Service}': the restore failed while {what}: {ex.Message.TrimEnd('.')}.";
        if (rollback is null)
        {
            return start + " The database was left as it was.";
        }

        string held;
        try
        {
            held = await Stage.DescribeHeldAsync(Connection);
        }
        catch (MySqlException)
        {
            held = Stage.InTarget ? "as portal_old_* tables" : "in a portal_hold_* database";
        }

        return start + $" Putting the old state back failed too ({rollback.Message.TrimEnd('.')}): no table was dropped; the old tables are kept {held}, "
            + "and restoring the snapshot again finishes the restore.";
    }

    private async Task<(string Charset, string Collation)?> DefaultsOfAsync(CancellationToken token)
    {
        await using var command = Connection.CreateCommand();
        command.CommandText = "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @db";
        command.Parameters.AddWithValue("@db", Database);
        await using var reader = await command.ExecuteReaderAsync(token);
        return await reader.ReadAsync(token) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    private async Task<string> CreateTableAsync(string table, CancellationToken token)
    {
        await using var command = Connection.CreateCommand();
        command.CommandText = $"SHOW CREATE TABLE {Name(Database, table)}";
        await using var reader = await command.ExecuteReaderAsync(token);
        return await reader.ReadAsync(token) ? reader.GetString(1) : "";
    }

    private static string Name(string database, string table) => $"{Quote(database)}.{Quote(table)}";

    private static string Quote(string identifier) => MySqlTables.Quote(identifier);
}
