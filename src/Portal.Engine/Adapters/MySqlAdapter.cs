namespace Portal.Engine.Adapters;

using MySqlConnector;
using Portal.Engine.Manifests;

/// <summary>A MariaDB/MySQL database: a consistent logical dump (mariadb-dump --single-transaction) streamed through zstd.</summary>
internal sealed class MySqlAdapter(EngineOptions options) : IServiceAdapter
{
    private const string Charset = "charset";
    private const string Collation = "collation";

    public ServiceKind Kind => ServiceKind.MySql;

    public async Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context)
    {
        var target = Parse(spec);
        var dump = ExternalTool.Locate(options, spec.Name, "mariadb-client", "mariadb-dump", "mysqldump");
        string charset, collation;
        await using (var connection = await ConnectAsync(spec, target, context.CancellationToken))
        {
            (charset, collation) = await SchemaDefaultsAsync(connection, spec, target.Database, context.CancellationToken);
            context.Progress.AddTotal(await EstimateSizeAsync(connection, target.Database, context.CancellationToken));
        }

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
        var properties = new Dictionary<string, string> { [Charset] = charset, [Collation] = collation };
        return new ManifestService(spec.Name, ServiceKind.MySql, sink.TotalLength, sink.Complete(), null, properties);
    }

    public void CheckRestorable(ManifestService entry, ServiceSpec target)
    {
        _ = ServiceEntries.RequireChunks(entry, "MySQL database");

        _ = Parse(target);
    }

    /// <summary>
    /// Drops and recreates the database so tables created after the snapshot disappear too, then loads the dump;
    /// every object was verified beforehand, so the load only fails for server-side reasons.
    /// </summary>
    public async Task RestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context)
    {
        var server = Parse(target);
        var client = ExternalTool.Locate(options, target.Name, "mariadb-client", "mariadb", "mysql");
        await using (var connection = await ConnectAsync(target, server, context.CancellationToken))
        {
            var charset = entry.Properties?.GetValueOrDefault(Charset) ?? "utf8mb4";
            var collation = entry.Properties?.GetValueOrDefault(Collation) ?? "utf8mb4_general_ci";
            var name = Quote(server.Database);
            await using var command = connection.CreateCommand();
            command.CommandText = $"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET {Quote(charset)} COLLATE {Quote(collation)};";
            await command.ExecuteNonQueryAsync(context.CancellationToken);
        }

        context.Progress.Phase($"Loading MySQL database {target.Name}");
        string[] arguments = [.. ClientArguments(server), "--default-character-set=utf8mb4", "--batch", server.Database];
        await client.RunAsync(
            arguments,
            Environment(server),
            (stdin, token) => Task.Run(
                () =>
                {
                    using var filtered = new DefinerFilter(stdin);
                    context.CopyChunks(entry.Chunks!, entry.Name, filtered);
                },
                token),
            output: null,
            context.CancellationToken);
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

    private static async Task<MySqlConnection> ConnectAsync(ServiceSpec spec, MySqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        // Connect to the server, not the database: a restore may create a database that is not there yet.
        var builder = new MySqlConnectionStringBuilder(target.ConnectionString) { Database = "", Pooling = false, AllowUserVariables = true };
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

    private static string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";
}
