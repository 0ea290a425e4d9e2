namespace Portal.Engine.Adapters.MySql;

using MySqlConnector;
using Portal.Contracts;
using Portal.Engine.Adapters.Common;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>
/// A MariaDB/MySQL database: schema from mariadb-dump plus each table's rows as LOAD DATA text from one consistent snapshot,
/// restored with parallel LOAD DATA LOCAL streams; databases with column types text cannot carry use a plain mariadb-dump.
/// </summary>
internal sealed class MySqlAdapter(EngineOptions options) : IServiceAdapter
{
    private const string Charset = "charset";
    private const string Collation = "collation";
    private const string Layout = "layout";
    private const string Method = "method";

    /// <summary>Values as the server stores them: no bool for TINYINT(1), no Guid for CHAR(36), zero dates kept.</summary>
    private static readonly Action<MySqlConnectionStringBuilder> TextReads = b =>
    {
        b.TreatTinyAsBoolean = false;
        b.GuidFormat = MySqlGuidFormat.None;
        b.AllowZeroDateTime = true;
        b.ConvertZeroDateTime = false;
    };

    /// <summary>Parallel LOAD DATA streams: the server does the work, so a few more than the client's cores keep InnoDB busy.</summary>
    private static readonly int LoadStreams = Math.Clamp(System.Environment.ProcessorCount * 2, 2, 8);

    public ServiceKind Kind => ServiceKind.MySql;

    public async Task<string?> CheckAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        ExternalTool.Locate(options, spec.Name, "mariadb-client", "mariadb-dump", "mysqldump");
        ExternalTool.Locate(options, spec.Name, "mariadb-client", "mariadb", "mysql");
        var builder = new MySqlConnectionStringBuilder(spec.Location) { ConnectionTimeout = (uint)ServiceEntries.CheckConnectTimeout.TotalSeconds, Pooling = false };
        try
        {
            await using var connection = new MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return string.IsNullOrEmpty(builder.Database) ? null : await MySqlPrivileges.ProblemAsync(connection, spec.Name, builder.Database, restore: true, cancellationToken);
        }
        catch (MySqlException ex)
        {
            return $"Service '{spec.Name}': cannot reach MariaDB/MySQL at {builder.Server}:{builder.Port}: {ex.Message}";
        }
    }

    public Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context) =>
        InWordsAsync(spec, () => CaptureDatabaseAsync(spec, context));

    private async Task<ManifestService> CaptureDatabaseAsync(ServiceSpec spec, EngineContext context)
    {
        var target = Parse(spec);
        var dump = ExternalTool.Locate(options, spec.Name, "mariadb-client", "mariadb-dump", "mysqldump");
        string charset, collation;
        List<(string Table, List<string> Columns)>? tables;
        await using (var connection = await ConnectAsync(spec, target, context.CancellationToken))
        {
            (charset, collation) = await SchemaDefaultsAsync(connection, spec, target.Database, context.CancellationToken);
            // mariadb-dump would stop at the first privilege it lacks; name them all before anything is read.
            if (options.MySqlPreflight && await MySqlPrivileges.ProblemAsync(connection, spec.Name, target.Database, restore: false, context.CancellationToken) is { } problem)
            {
                throw new SnapshotEngineException(problem);
            }

            context.Progress.AddTotal(await EstimateSizeAsync(connection, target.Database, context.CancellationToken));
            tables = await TextSafeTablesAsync(connection, target.Database, context.CancellationToken);
        }

        var properties = new Dictionary<string, string> { [Charset] = charset, [Collation] = collation };
        if (await PhysicalTablesAsync(spec, target, context) is { } innodb)
        {
            var (physicalChunks, physicalParts) = await CapturePhysicalAsync(spec, target, dump, innodb, context);
            properties[Layout] = MySqlTables.Encode(physicalParts);
            properties[Method] = MySqlTablespaces.Method;
            return new ManifestService(spec.Name, ServiceKind.MySql, physicalParts.Sum(p => p.Length), physicalChunks, null, properties);
        }

        if (tables is null)
        {
            context.Progress.Phase($"Dumping MySQL database {spec.Name}");
            string[] arguments =
            [
                .. ClientArguments(target),
                // One REPEATABLE READ transaction gives InnoDB tables a consistent view without locking the application out.
                "--single-transaction", "--quick", "--routines", "--triggers", "--events", "--hex-blob",
                "--default-character-set=utf8mb4", "--skip-dump-date", "--no-tablespaces",
                target.Database,
            ];
            using var sink = context.NewSink();
            await dump.RunAsync(arguments, Environment(target), feed: null, sink, context.CancellationToken);
            return new ManifestService(spec.Name, ServiceKind.MySql, sink.TotalLength, sink.Complete(), null, properties);
        }

        var (chunks, parts) = await CaptureTablesAsync(spec, target, dump, tables, context);
        properties[Layout] = MySqlTables.Encode(parts);
        return new ManifestService(spec.Name, ServiceKind.MySql, parts.Sum(p => p.Length), chunks, null, properties);
    }

    /// <summary>
    /// Schema (no triggers) from mariadb-dump, then every table's rows as LOAD DATA text read in one consistent-snapshot
    /// transaction, then triggers, routines and events: a restore can load the tables in parallel and fire no trigger.
    /// </summary>
    private async Task<(List<ChunkRef> Chunks, List<MySqlPart> Parts)> CaptureTablesAsync(
        ServiceSpec spec, MySqlConnectionStringBuilder target, ExternalTool dump, List<(string Table, List<string> Columns)> tables, EngineContext context)
    {
        var chunks = new List<ChunkRef>();
        var parts = new List<MySqlPart>();
        void Add(ObjectSink sink, string kind, string? table, List<string>? columns)
        {
            var written = sink.Complete();
            chunks.AddRange(written);
            parts.Add(new MySqlPart(kind, table, columns, written.Count, sink.TotalLength));
        }

        string[] common = [.. ClientArguments(target), "--no-data", "--hex-blob", "--default-character-set=utf8mb4", "--skip-dump-date", "--no-tablespaces"];
        context.Progress.Phase($"Dumping MySQL schema {spec.Name}");
        using (var sink = context.NewSink())
        {
            await dump.RunAsync([.. common, "--skip-triggers", target.Database], Environment(target), feed: null, sink, context.CancellationToken);
            Add(sink, MySqlPart.Schema, null, null);
        }

        context.Progress.Phase($"Reading MySQL tables {spec.Name}");
        await using (var connection = await ConnectAsync(spec, target, context.CancellationToken, TextReads))
        {
            await ExecuteAsync(connection, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET time_zone = '+00:00'; START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", context.CancellationToken);
            foreach (var (table, columns) in tables)
            {
                using var sink = context.NewSink();
                await MySqlTables.WriteRowsAsync(connection, target.Database, table, columns, sink, context.CancellationToken);
                Add(sink, MySqlPart.Rows, table, columns);
            }

            await ExecuteAsync(connection, "COMMIT", context.CancellationToken);
        }

        using (var sink = context.NewSink())
        {
            string[] programs = [.. common, "--no-create-info", "--skip-opt", "--triggers", "--routines", "--events", target.Database];
            await dump.RunAsync(programs, Environment(target), feed: null, sink, context.CancellationToken);
            Add(sink, MySqlPart.Programs, null, null);
        }

        return (chunks, parts);
    }

    /// <summary>The InnoDB tables to copy as files, or null when this capture must be logical (live, configured, or not possible here).</summary>
    private async Task<List<string>?> PhysicalTablesAsync(ServiceSpec spec, MySqlConnectionStringBuilder target, EngineContext context)
    {
        if (options.MySqlMethod != MySqlMethod.Auto || context.Live)
        {
            return null;
        }

        await using var connection = await ConnectAsync(spec, target, context.CancellationToken);
        var (tables, reason) = await MySqlTablespaces.EligibleTablesAsync(connection, target.Database, context.CancellationToken);
        if (tables is null)
        {
            context.Progress.Phase($"MySQL {spec.Name}: {reason}; capturing its rows as text instead of table files");
        }

        return tables;
    }

    /// <summary>Views from mariadb-dump, every InnoDB table as its .ibd/.cfg pair, then triggers, routines and events.</summary>
    private async Task<(List<ChunkRef> Chunks, List<MySqlPart> Parts)> CapturePhysicalAsync(
        ServiceSpec spec, MySqlConnectionStringBuilder target, ExternalTool dump, List<string> tables, EngineContext context)
    {
        var chunks = new List<ChunkRef>();
        var parts = new List<MySqlPart>();
        string[] common = [.. ClientArguments(target), "--no-data", "--hex-blob", "--default-character-set=utf8mb4", "--skip-dump-date", "--no-tablespaces"];
        await using var connection = await ConnectAsync(spec, target, context.CancellationToken);
        var views = await ViewsAsync(connection, target.Database, context.CancellationToken);
        if (views.Count > 0)
        {
            using var sink = context.NewSink();
            await dump.RunAsync([.. common, "--skip-triggers", target.Database, .. views], Environment(target), feed: null, sink, context.CancellationToken);
            var written = sink.Complete();
            chunks.AddRange(written);
            parts.Add(new MySqlPart(MySqlTablespaces.Views, null, null, written.Count, sink.TotalLength));
        }

        context.Progress.Phase($"Copying MySQL table files {spec.Name}");
        foreach (var (part, written) in await MySqlTablespaces.CaptureAsync(connection, target.Database, tables, context))
        {
            chunks.AddRange(written);
            parts.Add(part);
        }

        if (!await MySqlPrograms.AnyBesideViewsAsync(connection, target.Database, context.CancellationToken))
        {
            // Most shops have none: an empty part spares a mariadb-dump now and a mariadb client at every restore.
            parts.Add(new MySqlPart(MySqlPart.Programs, null, null, 0, 0));
            return (chunks, parts);
        }

        using (var sink = context.NewSink())
        {
            string[] programs = [.. common, "--no-create-info", "--skip-opt", "--triggers", "--routines", "--events", target.Database];
            await dump.RunAsync(programs, Environment(target), feed: null, sink, context.CancellationToken);
            var written = sink.Complete();
            chunks.AddRange(written);
            parts.Add(new MySqlPart(MySqlPart.Programs, null, null, written.Count, sink.TotalLength));
        }

        return (chunks, parts);
    }

    private static Task<List<string>> ViewsAsync(MySqlConnection connection, string database, CancellationToken cancellationToken) =>
        MySqlTables.ColumnAsync(connection, "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = @name ORDER BY TABLE_NAME", cancellationToken, ("@name", database));

    public void CheckRestorable(ManifestService entry, ServiceSpec target)
    {
        _ = ServiceEntries.RequireChunks(entry, "MySQL database");

        _ = Parse(target);
    }

    public Task<IPreparedRestore> PrepareRestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context) =>
        InWordsAsync(target, () => PrepareAsync(entry, target, context));

    /// <summary>
    /// Runs a capture or prepare so that what the server or the file system refuses reaches the user as a sentence naming
    /// the service (a missing privilege or a full disk is already one), never as an unexpected error.
    /// </summary>
    private static async Task<T> InWordsAsync<T>(ServiceSpec spec, Func<Task<T>> run)
    {
        try
        {
            return await run();
        }
        catch (MySqlException ex)
        {
            throw new SnapshotEngineException($"MySQL service '{spec.Name}': the server refused: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException io && !DiskFailures.IsDiskFull(io) || ex is UnauthorizedAccessException)
        {
            // A full store is worded by the engine, which knows the store; a full data directory by MySqlStaging.
            throw new SnapshotEngineException($"MySQL service '{spec.Name}': {ex.Message}", ex);
        }
    }

    private Task<IPreparedRestore> PrepareAsync(ManifestService entry, ServiceSpec target, EngineContext context)
    {
        var server = Parse(target);
        var client = ExternalTool.Locate(options, target.Name, "mariadb-client", "mariadb", "mysql");
        var destination = new MySqlTarget(target, server, entry.Properties?.GetValueOrDefault(Charset) ?? "utf8mb4", entry.Properties?.GetValueOrDefault(Collation) ?? "utf8mb4_general_ci");
        if (entry.Properties?.GetValueOrDefault(Method) != MySqlTablespaces.Method)
        {
            return PrepareLogicalAsync(entry, destination, client, context);
        }

        var slices = Slices(entry);
        return MySqlTablespaces.PrepareAsync(destination, slices, entry.Name, async token =>
        {
            context.Progress.Phase($"Loading MySQL views and programs {target.Name}");
            foreach (var slice in slices.Where(s => s.Part.Kind is MySqlTablespaces.Views or MySqlPart.Programs && s.Chunks.Count > 0))
            {
                await LoadSqlAsync(client, server, server.Database, output => context.CopyChunks(slice.Chunks, entry.Name, output), token);
            }
        }, context);
    }

    /// <summary>Each part of a table-wise capture with the run of the service's chunks it owns.</summary>
    private static List<(MySqlPart Part, IReadOnlyList<ChunkRef> Chunks)> Slices(ManifestService entry)
    {
        var parts = MySqlTables.Decode(entry.Properties?.GetValueOrDefault(Layout))
            ?? throw new SnapshotCorruptException($"The snapshot's MySQL database '{entry.Name}' has no table layout.");
        var slices = new List<(MySqlPart Part, IReadOnlyList<ChunkRef> Chunks)>();
        var at = 0;
        foreach (var part in parts)
        {
            slices.Add((part, entry.Chunks!.Skip(at).Take(part.Chunks).ToList()));
            at += part.Chunks;
        }

        return slices;
    }

    /// <summary>
    /// Builds the snapshot's tables and rows where MySqlStaging says (beside the target, or inside it under work names),
    /// checking each object as it is loaded; views, triggers, routines and events wait for the commit, which switches the tables in.
    /// </summary>
    private async Task<IPreparedRestore> PrepareLogicalAsync(ManifestService entry, MySqlTarget target, ExternalTool client, EngineContext context)
    {
        var layout = entry.Properties?.GetValueOrDefault(Layout) is null ? null : Slices(entry);
        // Everything else is checked as it is loaded into the staging place; only the programs are read again on commit.
        await context.VerifyAsync(layout?.Single(s => s.Part.Kind == MySqlPart.Programs).Chunks ?? [], entry.Name);
        // Rows as text take roughly what InnoDB needs for them; twice that leaves room for indexes and page slack.
        var needed = 2 * (layout?.Where(s => s.Part.Kind == MySqlPart.Rows).Sum(s => s.Part.Length) ?? entry.Size);
        var staging = await MySqlStaging.OpenAsync(target, needed, mayStayInside: true, context);
        context.Progress.Phase($"Loading MySQL database {target.Service} into {staging.Stage.StagingDatabase}");
        return await staging.BuildAsync(() => layout is null
            ? StageDumpAsync(entry, staging, client, context)
            : StageTablesAsync(entry, layout, staging, client, context));
    }

    /// <summary>A single mariadb-dump: its tables and rows go to the staging place now, its triggers, views, events and routines on commit.</summary>
    private async Task<IPreparedRestore> StageDumpAsync(ManifestService entry, MySqlStaging staging, ExternalTool client, EngineContext context)
    {
        var server = staging.Target.Server;
        var programs = new MemoryStream();
        MySqlDumpSplitter? split = null;
        await LoadSqlAsync(client, server, staging.Stage.StagingDatabase, output =>
        {
            using var splitter = split = new MySqlDumpSplitter(output, programs, staging.Stage.InTarget ? staging.Stage.NewName : null);
            context.CopyChunks(entry.Chunks!, entry.Name, splitter);
            splitter.Complete();
        }, context.CancellationToken);
        return new MySqlSwitch(staging, split!.Tables, split.ForeignKeys, token =>
            LoadSqlAsync(client, server, server.Database, output => output.Write(programs.GetBuffer(), 0, (int)programs.Length), token));
    }

    /// <summary>
    /// Table-wise capture: the schema's tables (secondary indexes deferred), then up to 2 × cores tables' rows at once with
    /// LOAD DATA, each table's indexes after its rows; the schema's views and the triggers, routines and events wait for the commit.
    /// </summary>
    private async Task<IPreparedRestore> StageTablesAsync(
        ManifestService entry, List<(MySqlPart Part, IReadOnlyList<ChunkRef> Chunks)> slices, MySqlStaging staging, ExternalTool client, EngineContext context)
    {
        var server = staging.Target.Server;
        var stage = staging.Stage;
        using var tablesPart = new MemoryStream();
        var views = new MemoryStream();
        MySqlDumpSplitter split;
        using (split = new MySqlDumpSplitter(tablesPart, views, stage.InTarget ? stage.NewName : null))
        {
            context.CopyChunks(slices.Single(s => s.Part.Kind == MySqlPart.Schema).Chunks, entry.Name, split);
            split.Complete();
        }

        var (tables, addIndexes) = MySqlTables.DeferIndexes(System.Text.Encoding.UTF8.GetString(tablesPart.GetBuffer(), 0, (int)tablesPart.Length));
        await LoadSqlAsync(client, server, stage.StagingDatabase, output => output.Write(System.Text.Encoding.UTF8.GetBytes(tables)), context.CancellationToken);

        var rows = slices.Where(s => s.Part.Kind == MySqlPart.Rows).OrderByDescending(s => s.Part.Length).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = LoadStreams, CancellationToken = context.CancellationToken };
        await Parallel.ForEachAsync(rows, parallel, async (slice, token) =>
        {
            var table = stage.NewName(slice.Part.Table!);
            await using var connection = await ConnectAsync(staging.Target.Spec, server, token, b =>
            {
                b.Database = stage.StagingDatabase;
                b.AllowLoadLocalInfile = true;
            });
            // Rows come from a consistent copy of the same schema: skip the checks, and keep explicit zeros in AUTO_INCREMENT columns.
            await ExecuteAsync(connection, "SET SESSION unique_checks = 0, foreign_key_checks = 0, time_zone = '+00:00', sql_mode = 'NO_AUTO_VALUE_ON_ZERO'", token);
            if (slice.Part.Length > 0)
            {
                await using var input = context.OpenChunks(slice.Chunks, $"{entry.Name}:{slice.Part.Table}");
                var loader = new MySqlBulkLoader(connection)
                {
                    TableName = Quote(table),
                    Local = true,
                    SourceStream = input,
                    CharacterSet = "utf8mb4",
                    FieldTerminator = "\t",
                    LineTerminator = "\n",
                    Timeout = 0,
                };
                loader.Columns.AddRange(slice.Part.Columns!.Select(Quote));
                await loader.LoadAsync(token);
            }

            if (addIndexes.TryGetValue(table, out var alter))
            {
                await ExecuteAsync(connection, alter, token);
            }

            context.Progress.Advance(slice.Part.Length);
        });

        var programs = slices.Single(s => s.Part.Kind == MySqlPart.Programs);
        return new MySqlSwitch(staging, split.Tables, split.ForeignKeys, async token =>
        {
            await LoadSqlAsync(client, server, server.Database, output => output.Write(views.GetBuffer(), 0, (int)views.Length), token);
            await LoadSqlAsync(client, server, server.Database, output => context.CopyChunks(programs.Chunks, entry.Name, output), token);
        });
    }

    /// <summary>Feeds SQL to the mariadb client, rewriting DEFINER= so a user without SUPER can load views, triggers and routines.</summary>
    private static async Task LoadSqlAsync(ExternalTool client, MySqlConnectionStringBuilder server, string database, Action<Stream> write, CancellationToken cancellationToken)
    {
        string[] arguments = [.. ClientArguments(server), "--default-character-set=utf8mb4", "--batch", database];
        await client.RunAsync(
            arguments,
            Environment(server),
            (stdin, token) => Task.Run(
                () =>
                {
                    using var filtered = new DefinerFilter(stdin);
                    write(filtered);
                },
                token),
            output: null,
            cancellationToken);
    }

    /// <summary>Base tables with their stored columns, or null when a column type has no faithful text form (then mariadb-dump is used).</summary>
    private static async Task<List<(string Table, List<string> Columns)>?> TextSafeTablesAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.IS_GENERATED
            FROM information_schema.COLUMNS c JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
            WHERE c.TABLE_SCHEMA = @name AND t.TABLE_TYPE = 'BASE TABLE'
            ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION
            """;
        command.Parameters.AddWithValue("@name", database);
        var tables = new List<(string Table, List<string> Columns)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (table, column, type, generated) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            if (!MySqlTables.TextSafeTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
            {
                return null;
            }

            if (tables.Count == 0 || tables[^1].Table != table)
            {
                tables.Add((table, []));
            }

            if (generated == "NEVER")
            {
                tables[^1].Columns.Add(column);
            }
        }

        return tables;
    }

    private static Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken) =>
        MySqlTables.ExecuteAsync(connection, sql, cancellationToken);

    /// <summary>Queues the drops of replaced tables an earlier process recorded for this service's database; a setting that does not parse has none.</summary>
    internal static void ResumeHeldDrops(ServiceSpec spec, HeldTableDrops drops)
    {
        MySqlConnectionStringBuilder server;
        try
        {
            server = Parse(spec);
        }
        catch (Exception ex) when (ex is SnapshotEngineException or ArgumentException or FormatException or KeyNotFoundException)
        {
            return;
        }

        drops.Resume(new MySqlTarget(spec, server, "utf8mb4", "utf8mb4_general_ci"));
    }

    private static MySqlConnectionStringBuilder Parse(ServiceSpec spec)
    {
        var builder = ServiceEntries.ParseLocation(spec, "MySQL", location => new MySqlConnectionStringBuilder(location));

        if (string.IsNullOrEmpty(builder.Database))
        {
            throw new SnapshotEngineException($"MySQL service '{spec.Name}': the connection string names no database.");
        }

        return builder;
    }

    internal static async Task<MySqlConnection> ConnectAsync(ServiceSpec spec, MySqlConnectionStringBuilder target, CancellationToken cancellationToken, Action<MySqlConnectionStringBuilder>? configure = null)
    {
        // Connect to the server, not the database: a restore may create a database that is not there yet.
        var builder = new MySqlConnectionStringBuilder(target.ConnectionString) { Database = "", Pooling = false, AllowUserVariables = true };
        configure?.Invoke(builder);
        var connection = new MySqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (MySqlException ex)
        {
            await connection.DisposeAsync();
            throw new SnapshotEngineException($"MySQL service '{spec.Name}': cannot connect to {target.Server}:{target.Port} as {target.UserID}: {ex.Message}", ex);
        }
    }

    private static async Task<(string Charset, string Collation)> SchemaDefaultsAsync(MySqlConnection connection, ServiceSpec spec, string database, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @name";
        command.Parameters.AddWithValue("@name", database);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new SnapshotEngineException($"MySQL service '{spec.Name}': database '{database}' does not exist.");
        }

        return (reader.GetString(0), reader.GetString(1));
    }

    private static async Task<long> EstimateSizeAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(DATA_LENGTH), 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = @name";
        command.Parameters.AddWithValue("@name", database);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static IEnumerable<string> ClientArguments(MySqlConnectionStringBuilder target)
    {
        // --no-defaults keeps a my.cnf on the host from redirecting the tool to another server or user.
        yield return "--no-defaults";
        yield return "--protocol=TCP";
        yield return $"--host={target.Server}";
        yield return $"--port={target.Port}";
        yield return $"--user={target.UserID}";
    }

    /// <summary>The password travels in the environment, never on a command line other users can read.</summary>
    private static Dictionary<string, string> Environment(MySqlConnectionStringBuilder target) => new() { ["MYSQL_PWD"] = target.Password ?? "" };

    private static string Quote(string identifier) => MySqlTables.Quote(identifier);
}

/// <summary>Where a restore goes: the target service, its server, and the database's character set.</summary>
internal sealed class MySqlTarget(ServiceSpec spec, MySqlConnectionStringBuilder server, string charset, string collation)
{
    public ServiceSpec Spec => spec;

    public string Service => spec.Name;

    public MySqlConnectionStringBuilder Server => server;

    /// <summary>host:port, for messages.</summary>
    public string Address => $"{server.Server}:{server.Port}";

    public string Database => server.Database;

    public string Charset => charset;

    public string Collation => collation;

    /// <summary>A new connection, with database as its default (null: none, for server-wide statements).</summary>
    public Task<MySqlConnection> ConnectAsync(string? database, CancellationToken cancellationToken) =>
        MySqlAdapter.ConnectAsync(spec, server, cancellationToken, b => b.Database = database ?? "");
}
