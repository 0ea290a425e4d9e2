namespace Portal.Engine.Adapters.MySql;

using MySqlConnector;

/// <summary>A view, trigger, routine or event as SHOW CREATE gives it, with the session settings it was created under.</summary>
internal sealed record MySqlProgram(string Kind, string Name, string Definition, string? SqlMode, string? CollationConnection, string? TimeZone);

/// <summary>
/// The views, triggers, routines and events of a database: read so a failed restore can put them back, dropped so the
/// snapshot's own can be created, and recreated. RENAME TABLE moves none of them, and a table keeping a trigger cannot
/// leave its database, so a restore clears them before its switch and loads the snapshot's after it.
/// </summary>
internal static class MySqlPrograms
{
    private const int NoSuchTable = 1146;
    private const int AccessDenied = 1227;

    /// <summary>Every program of the connection's default database, in an order that recreates them (triggers by action order).</summary>
    public static async Task<List<MySqlProgram>> ReadAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        var programs = new List<MySqlProgram>();
        foreach (var (kind, name) in await ListAsync(connection, database, cancellationToken))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SHOW CREATE {kind} {Quote(database)}.{Quote(name)}";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                continue;
            }

            string? Column(string column)
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (reader.GetName(i) == column)
                    {
                        return reader.IsDBNull(i) ? null : reader.GetString(i);
                    }
                }

                return null;
            }

            var definition = kind switch
            {
                "VIEW" => Column("Create View"),
                "TRIGGER" => Column("SQL Original Statement"),
                "EVENT" => Column("Create Event"),
                _ => reader.IsDBNull(2) ? null : reader.GetString(2),
            };
            programs.Add(new MySqlProgram(
                kind,
                name,
                definition ?? throw new SnapshotEngineException($"MySQL database '{database}': the {kind.ToLowerInvariant()} {name} cannot be read by this user."),
                Column("sql_mode"),
                Column("collation_connection"),
                Column("time_zone")));
        }

        return programs;
    }

    /// <summary>True when database has a trigger, routine or event this user can see (mariadb-dump sees the same ones).</summary>
    public static async Task<bool> AnyBesideViewsAsync(MySqlConnection connection, string database, CancellationToken cancellationToken) =>
        (await ListAsync(connection, database, cancellationToken)).Any(p => p.Kind != "VIEW");

    /// <summary>Drops every view, trigger, routine and event of database.</summary>
    public static async Task DropAllAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        foreach (var (kind, name) in await ListAsync(connection, database, cancellationToken))
        {
            await MySqlTables.ExecuteAsync(connection, $"DROP {kind} IF EXISTS {Quote(database)}.{Quote(name)}", cancellationToken);
        }
    }

    /// <summary>
    /// Creates programs in the connection's default database under their recorded settings; a view waiting for another
    /// view is retried once that one exists. A definer the user may not name becomes CURRENT_USER, as on a restore.
    /// </summary>
    public static async Task RecreateAsync(MySqlConnection connection, IReadOnlyList<MySqlProgram> programs, CancellationToken cancellationToken)
    {
        var pending = programs.ToList();
        while (pending.Count > 0)
        {
            var waiting = new List<MySqlProgram>();
            MySqlException? last = null;
            foreach (var program in pending)
            {
                try
                {
                    await CreateAsync(connection, program, cancellationToken);
                }
                catch (MySqlException ex) when (program.Kind == "VIEW" && ex.Number == NoSuchTable)
                {
                    waiting.Add(program);
                    last = ex;
                }
            }

            if (waiting.Count == pending.Count)
            {
                throw last!;
            }

            pending = waiting;
        }
    }

    private static async Task CreateAsync(MySqlConnection connection, MySqlProgram program, CancellationToken cancellationToken)
    {
        // Only the settings that change what the definition means; the text itself travels as UTF-8 like every statement here.
        var settings = new List<string>();
        if (program.SqlMode is { } mode)
        {
            settings.Add($"sql_mode = {Literal(mode)}");
        }

        if (program.CollationConnection is { } collation && collation.StartsWith("utf8", StringComparison.OrdinalIgnoreCase))
        {
            settings.Add($"collation_connection = {Literal(collation)}");
        }

        if (program.TimeZone is { } zone)
        {
            settings.Add($"time_zone = {Literal(zone)}");
        }

        if (settings.Count > 0)
        {
            await MySqlTables.ExecuteAsync(connection, "SET SESSION " + string.Join(", ", settings), cancellationToken);
        }

        try
        {
            await MySqlTables.ExecuteAsync(connection, program.Definition, cancellationToken);
        }
        catch (MySqlException ex) when (ex.Number == AccessDenied)
        {
            await MySqlTables.ExecuteAsync(connection, DefinerFilter.ToCurrentUser(program.Definition), cancellationToken);
        }
    }

    private static async Task<List<(string Kind, string Name)>> ListAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT 'VIEW', TABLE_NAME, 1, '', 0 FROM information_schema.VIEWS WHERE TABLE_SCHEMA = @db
            UNION ALL
            SELECT 'TRIGGER', TRIGGER_NAME, 2, CONCAT(EVENT_OBJECT_TABLE, ' ', ACTION_TIMING, ' ', EVENT_MANIPULATION), ACTION_ORDER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = @db
            UNION ALL
            SELECT ROUTINE_TYPE, ROUTINE_NAME, 3, ROUTINE_TYPE, 0 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = @db
            UNION ALL
            SELECT 'EVENT', EVENT_NAME, 4, '', 0 FROM information_schema.EVENTS WHERE EVENT_SCHEMA = @db
            ORDER BY 3, 4, 5, 2
            """;
        command.Parameters.AddWithValue("@db", database);
        var programs = new List<(string Kind, string Name)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            programs.Add((reader.GetString(0), reader.GetString(1)));
        }

        return programs;
    }

    private static string Literal(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Quote(string identifier) => MySqlTables.Quote(identifier);
}
