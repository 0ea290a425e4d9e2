namespace Portal.Engine.Adapters.MySql;

using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using MySqlConnector;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>
/// A physical copy of an InnoDB database through transportable tablespaces: capture copies each table's .ibd and .cfg
/// while FLUSH TABLES … FOR EXPORT holds the tables still; restore imports them into a staging database first (nothing
/// of the target is touched until every table imported) and then switches them in with one RENAME TABLE (MySqlSwitch).
/// Loading pages instead of replaying rows is what makes a restore many times faster than any SQL load.
/// </summary>
internal static partial class MySqlTablespaces
{
    public const string Method = "tablespaces";
    public const string Views = "views";
    public const string Tablespace = "tablespace";
    public const string TableConfig = "tableconfig";

    /// <summary>Rights a physical capture and its restore need beyond reading: locking for export, a staging database, ALTER … IMPORT.</summary>
    private static readonly string[] NeededPrivileges = ["SELECT", "RELOAD", "LOCK TABLES", "CREATE", "DROP", "ALTER"];

    /// <summary>The row formats innodb_default_row_format can give a table whose definition names none.</summary>
    private static readonly string[] DefaultableRowFormats = ["Dynamic", "Compact", "Redundant"];

    /// <summary>
    /// The InnoDB tables of the database when a physical copy is possible here, or null with the reason it is not
    /// (the caller then captures logically). Only names that are their own file names qualify.
    /// </summary>
    public static async Task<(List<string>? Tables, string Reason)> EligibleTablesAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        if (!SimpleName().IsMatch(database))
        {
            return (null, "the database name needs file-name encoding");
        }

        var folder = await DatabaseFolderAsync(connection, database, cancellationToken);
        if (!Directory.Exists(folder))
        {
            return (null, $"Portal cannot reach the server's data directory ({folder})");
        }

        var granted = await PrivilegesAsync(connection, cancellationToken);
        if (!granted.Contains("ALL PRIVILEGES") && NeededPrivileges.FirstOrDefault(p => !granted.Contains(p)) is { } missing)
        {
            return (null, $"the user lacks the global {missing} privilege");
        }

        var tables = new List<string>();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT TABLE_NAME, TABLE_TYPE, COALESCE(ENGINE, ''), COALESCE(CREATE_OPTIONS, '') FROM information_schema.TABLES WHERE TABLE_SCHEMA = @name";
        command.Parameters.AddWithValue("@name", database);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var (table, type, engine, options) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
                if (type == "VIEW")
                {
                    continue;
                }

                if (type != "BASE TABLE" || !engine.Equals("InnoDB", StringComparison.OrdinalIgnoreCase) || options.Contains("partitioned", StringComparison.OrdinalIgnoreCase))
                {
                    return (null, $"table {table} is {type} {engine} {options}".TrimEnd());
                }

                if (!SimpleName().IsMatch(table) || !File.Exists(Path.Combine(folder, table + ".ibd")))
                {
                    return (null, $"table {table} has no file of its own");
                }

                tables.Add(table);
            }
        }

        // IMPORT TABLESPACE leaves a FULLTEXT index unusable (its auxiliary FTS tables are not transported).
        if (await FullTextTableAsync(connection, database, cancellationToken) is { } fullText)
        {
            return (null, $"table {fullText} has a FULLTEXT index");
        }

        tables.Sort(StringComparer.Ordinal);
        return tables.Count == 0 ? (null, "the database has no tables") : (tables, "");
    }

    /// <summary>
    /// Holds the tables still with FLUSH TABLES … FOR EXPORT (readers go on, writers wait), records each definition and
    /// copies each .ibd/.cfg pair into the store on every core, then unlocks. Parts come back in table order.
    /// </summary>
    public static async Task<List<(MySqlPart Part, IReadOnlyList<ChunkRef> Chunks)>> CaptureAsync(
        MySqlConnection connection, string database, IReadOnlyList<string> tables, EngineContext context)
    {
        var token = context.CancellationToken;
        var folder = await DatabaseFolderAsync(connection, database, token);
        var qualified = string.Join(", ", tables.Select(t => $"{Quote(database)}.{Quote(t)}"));
        await ExecuteAsync(connection, $"FLUSH TABLES {qualified} FOR EXPORT", token);
        try
        {
            var definitions = new List<string>();
            foreach (var table in tables)
            {
                definitions.Add(await DefinitionAsync(connection, database, table, token));
            }

            var rowFormats = await RowFormatsAsync(connection, database, token);

            // The .cfg files appear only now: finding them proves the folder belongs to this very server.
            if (tables.FirstOrDefault(t => !File.Exists(Path.Combine(folder, t + ".cfg"))) is { } unseen)
            {
                throw new SnapshotEngineException($"MySQL database '{database}': {folder} does not belong to this server (no {unseen}.cfg after FLUSH TABLES … FOR EXPORT).");
            }

            context.Progress.AddTotal(tables.Sum(t => new FileInfo(Path.Combine(folder, t + ".ibd")).Length));
            var copies = new (MySqlPart Part, IReadOnlyList<ChunkRef> Chunks)[tables.Count * 2];
            var parallel = new ParallelOptions { CancellationToken = token, MaxDegreeOfParallelism = System.Environment.ProcessorCount };
            await Parallel.ForAsync(0, tables.Count, parallel, (i, _) =>
            {
                copies[2 * i] = CopyIn(Path.Combine(folder, tables[i] + ".ibd"), new MySqlPart(Tablespace, tables[i], null, 0, 0, definitions[i], rowFormats.GetValueOrDefault(tables[i])), context);
                copies[(2 * i) + 1] = CopyIn(Path.Combine(folder, tables[i] + ".cfg"), new MySqlPart(TableConfig, tables[i], null, 0, 0), context);
                return ValueTask.CompletedTask;
            });
            return [.. copies];
        }
        finally
        {
            await ExecuteAsync(connection, "UNLOCK TABLES", CancellationToken.None);
        }
    }

    /// <summary>
    /// Imports every table into a fresh staging database beside the target, verifying each object as it is written into
    /// the server's data directory. The target is untouched; the returned commit switches the tables in.
    /// </summary>
    public static async Task<IPreparedRestore> PrepareAsync(
        MySqlTarget target, IReadOnlyList<(MySqlPart Part, IReadOnlyList<ChunkRef> Chunks)> slices, string owner, Func<CancellationToken, Task> loadPrograms, EngineContext context)
    {
        var token = context.CancellationToken;
        var tables = slices.Where(s => s.Part.Kind == Tablespace).ToList();
        // The files are written as they are; a few percent more covers the server's own bookkeeping.
        var needed = tables.Sum(t => t.Part.Length) * 21 / 20;
        var staging = await MySqlStaging.OpenAsync(target, needed, mayStayInside: false, context);
        return await staging.BuildAsync<IPreparedRestore>(async () =>
        {
            var folder = Path.Combine(staging.DataDirectory, staging.Stage.StagingDatabase);
            if (!Directory.Exists(folder))
            {
                throw new SnapshotEngineException(
                    $"MySQL service '{target.Service}': this snapshot holds InnoDB table files, and Portal cannot reach the data directory of the target server ({folder}). "
                    + "Restore it where Portal runs beside the database server. Nothing was changed.");
            }

            var folderStat = Posix.LStat(folder);
            var configs = slices.Where(s => s.Part.Kind == TableConfig).ToDictionary(s => s.Part.Table!, StringComparer.Ordinal);
            // Smallest first: the imports, one at a time, are the longer stage, so the sooner a first file is whole the sooner they start.
            var ordered = tables.OrderBy(t => t.Part.Length).ToList();
            await using (var connection = await target.ConnectAsync(staging.Stage.StagingDatabase, token))
            {
                // Same settings as the dump's header: definitions may reference tables created later, and zero dates are data.
                await ExecuteAsync(connection, "SET SESSION foreign_key_checks = 0, sql_mode = 'NO_AUTO_VALUE_ON_ZERO'", token);
                // All the definitions first: the server runs no DDL of any table while it imports one, so a CREATE between imports would wait.
                foreach (var slice in ordered)
                {
                    await ExecuteAsync(connection, slice.Part.Definition!, token);
                }

                await MatchRowFormatsAsync(connection, staging.Stage.StagingDatabase, ordered.Select(s => s.Part), target.Service, context);
                foreach (var slice in ordered)
                {
                    await ExecuteAsync(connection, $"ALTER TABLE {Quote(slice.Part.Table!)} DISCARD TABLESPACE", token);
                }
            }

            await CopyAndImportAsync(ordered, configs, target, staging, folder, folderStat, owner, context);

            // Views, triggers and routines load on commit; their objects are checked now, like every other.
            await context.VerifyAsync(slices.Where(s => s.Part.Kind is Views or MySqlPart.Programs).SelectMany(s => s.Chunks), owner);
            return new MySqlSwitch(staging, [.. tables.Select(t => t.Part.Table!)], [], loadPrograms);
        });
    }

    /// <summary>
    /// Writes the table files on every core and imports each as soon as it is written, one at a time on one connection: the
    /// server imports one tablespace at a time anyway, so the next files are written while it converts and syncs the last.
    /// </summary>
    private static async Task CopyAndImportAsync(
        List<(MySqlPart Part, IReadOnlyList<ChunkRef> Chunks)> tables, Dictionary<string, (MySqlPart Part, IReadOnlyList<ChunkRef> Chunks)> configs,
        MySqlTarget target, MySqlStaging staging, string folder, PosixStat folderStat, string owner, EngineContext context)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var written = Channel.CreateBounded<string>(tables.Count);

        async Task CopyAllAsync()
        {
            try
            {
                var parallel = new ParallelOptions { CancellationToken = stop.Token, MaxDegreeOfParallelism = System.Environment.ProcessorCount };
                await Parallel.ForEachAsync(tables, parallel, (slice, _) =>
                {
                    var table = slice.Part.Table!;
                    CopyOut(slice.Chunks, Path.Combine(folder, table + ".ibd"), folderStat, $"{owner}:{table}.ibd", context);
                    CopyOut(configs[table].Chunks, Path.Combine(folder, table + ".cfg"), folderStat, $"{owner}:{table}.cfg", context);
                    return written.Writer.WriteAsync(table, stop.Token);
                });
                written.Writer.Complete();
            }
            catch
            {
                written.Writer.TryComplete();
                await stop.CancelAsync();
                throw;
            }
        }

        async Task ImportAllAsync()
        {
            try
            {
                await using var connection = await target.ConnectAsync(staging.Stage.StagingDatabase, stop.Token);
                await ExecuteAsync(connection, "SET SESSION foreign_key_checks = 0", stop.Token);
                await foreach (var table in written.Reader.ReadAllAsync(stop.Token))
                {
                    await ExecuteAsync(connection, $"ALTER TABLE {Quote(table)} IMPORT TABLESPACE", stop.Token);
                    // The server never removes an imported .cfg, and a leftover file would make DROP DATABASE fail.
                    File.Delete(Path.Combine(folder, table + ".cfg"));
                }
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }

        var copying = CopyAllAsync();
        var importing = ImportAllAsync();
        try
        {
            await Task.WhenAll(copying, importing);
        }
        catch (Exception first)
        {
            // The failure that stopped the other side is the one to report, not the cancellation it caused.
            var cause = new[] { copying, importing }.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
            ExceptionDispatchInfo.Capture(cause ?? first).Throw();
        }
    }

    private static Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken) =>
        MySqlTables.ExecuteAsync(connection, sql, cancellationToken);

    private static (MySqlPart, IReadOnlyList<ChunkRef>) CopyIn(string path, MySqlPart part, EngineContext context)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        using var sink = context.NewSink();
        input.CopyTo(sink, 1 << 20);
        var chunks = sink.Complete();
        return (part with { Chunks = chunks.Count, Length = sink.TotalLength }, chunks);
    }

    /// <summary>
    /// Writes a table file the server will open, owned like its folder, into the page cache only: IMPORT TABLESPACE rewrites
    /// every page in place and syncs the file before it returns ("Sync to disk"), so the pages reach the disk once, from there.
    /// </summary>
    private static void CopyOut(IReadOnlyList<ChunkRef> chunks, string path, PosixStat folder, string owner, EngineContext context)
    {
        // CreateNew, not Create: .NET truncates a created file, and ext4 writes back a truncated file as soon as it is closed.
        using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
        {
            context.CopyChunks(chunks, owner, output);
        }

        Posix.SetOwner(path, folder.Uid, folder.Gid);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        }
    }

    private static async Task<string?> FullTextTableAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT TABLE_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = @name AND INDEX_TYPE = 'FULLTEXT' LIMIT 1";
        command.Parameters.AddWithValue("@name", database);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Each table's row format (Dynamic, Compact, …): a definition names it only when its CREATE did, yet its pages depend on it.</summary>
    private static async Task<Dictionary<string, string>> RowFormatsAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT TABLE_NAME, ROW_FORMAT FROM information_schema.TABLES WHERE TABLE_SCHEMA = @database AND ROW_FORMAT IS NOT NULL";
        command.Parameters.AddWithValue("@database", database);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var formats = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            formats[reader.GetString(0)] = reader.GetString(1);
        }

        return formats;
    }

    /// <summary>
    /// A definition without ROW_FORMAT takes the server's default, and IMPORT refuses a file whose pages use another ("Schema
    /// mismatch"), as when innodb_default_row_format changed since the capture: such a staging table gets the captured format.
    /// </summary>
    private static async Task MatchRowFormatsAsync(MySqlConnection connection, string staging, IEnumerable<MySqlPart> tables, string service, EngineContext context)
    {
        var wanted = tables.Where(t => t.RowFormat is { } format && DefaultableRowFormats.Contains(format, StringComparer.OrdinalIgnoreCase)).ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        var created = await RowFormatsAsync(connection, staging, context.CancellationToken);
        foreach (var table in wanted.Where(t => !string.Equals(created.GetValueOrDefault(t.Table!), t.RowFormat, StringComparison.OrdinalIgnoreCase)))
        {
            context.Progress.Phase($"MySQL {service}: table {table.Table} is created {table.RowFormat}, as captured, since this server would make it {created.GetValueOrDefault(table.Table!) ?? "another format"}");
            await ExecuteAsync(connection, $"ALTER TABLE {Quote(table.Table!)} ROW_FORMAT={table.RowFormat!.ToUpperInvariant()}", context.CancellationToken);
        }
    }

    private static async Task<string> DefinitionAsync(MySqlConnection connection, string database, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SHOW CREATE TABLE {Quote(database)}.{Quote(table)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? reader.GetString(1)
            : throw new SnapshotEngineException($"MySQL database '{database}': table {table} disappeared while it was being captured.");
    }

    private static async Task<string> DataDirectoryAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT @@datadir";
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private static async Task<string> DatabaseFolderAsync(MySqlConnection connection, string database, CancellationToken cancellationToken) =>
        Path.Combine(await DataDirectoryAsync(connection, cancellationToken), database);

    private static async Task<HashSet<string>> PrivilegesAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES
            WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
            """;
        var granted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            granted.Add(reader.GetString(0));
        }

        return granted;
    }

    private static string Quote(string identifier) => MySqlTables.Quote(identifier);

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex SimpleName();
}
