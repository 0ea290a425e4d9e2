namespace Portal.Bench;

using System.Data;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Portal.Infrastructure;

/// <summary>A temp-file SQLite database, as the app uses it by default (one file, WAL).</summary>
internal sealed class SqliteBenchDatabase : IBenchDatabase
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "portal-bench-" + Guid.NewGuid().ToString("N")[..8]);

    public string Name => "SQLite";

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public string Location => Path.Combine(folder, "portal.db");

    // The app's own connection string shape: a plain file, Microsoft.Data.Sqlite's default pooling.
    public string ConnectionString => $"Data Source={Location}";

    public Task CreateAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        return Task.CompletedTask;
    }

    public async Task<string> VersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        return "SQLite " + (string)(await command.ExecuteScalarAsync(cancellationToken))! + " (file in " + Path.GetTempPath() + ", WAL)";
    }

    public async Task<LoadResult> BulkLoadAsync(ActivityColumns columns, ActivityGenerator rows, string projectId, CancellationToken cancellationToken)
    {
        // A private, unpooled connection: the load pragmas must not leak into the pooled connections the app path uses.
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY;", cancellationToken);

        // Environment ids exactly as EF stored them (SQLite keeps a Guid as TEXT).
        var storedIds = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT {ActivityColumns.Quote("Id")}, {ActivityColumns.Quote("Name")} FROM {ActivityColumns.Quote(columns.EnvironmentsTable)}";
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                storedIds[reader.GetString(1)] = reader.GetString(0);
            }
        }

        var environmentIds = rows.EnvironmentNames.Select(name => storedIds[name]).ToArray();

        var started = Stopwatch.GetTimestamp();
        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken))
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            var names = ActivityColumns.Properties;
            insert.CommandText = $"INSERT INTO {ActivityColumns.Quote(columns.Table)} ({string.Join(", ", columns.Columns.Select(ActivityColumns.Quote))}) "
                + $"VALUES ({string.Join(", ", names.Select((_, i) => "$p" + i))})";
            // No explicit SqliteType: each value binds by its CLR type, so ticks and percentages are stored as INTEGER like EF does.
            var parameters = names.Select((_, i) => insert.Parameters.Add(new SqliteParameter { ParameterName = "$p" + i })).ToArray();
            insert.Prepare();

            foreach (var row in rows.Rows())
            {
                parameters[0].Value = row.Id;
                parameters[1].Value = projectId;
                parameters[2].Value = environmentIds[row.EnvironmentIndex];
                parameters[3].Value = rows.EnvironmentNames[row.EnvironmentIndex];
                parameters[4].Value = row.Type;
                parameters[5].Value = columns.ToProvider(names[5], row.State);
                parameters[6].Value = columns.ToProvider(names[6], row.Result) ?? DBNull.Value;
                parameters[7].Value = row.CompletionPercent;
                parameters[8].Value = columns.ToProvider(names[8], row.CreatedAt);
                parameters[9].Value = columns.ToProvider(names[9], row.StartedAt) ?? DBNull.Value;
                parameters[10].Value = columns.ToProvider(names[10], row.CompletedAt) ?? DBNull.Value;
                parameters[11].Value = row.Log;
                parameters[12].Value = (object?)row.SnapshotId ?? DBNull.Value;
                parameters[13].Value = (object?)row.Payload ?? DBNull.Value;
                parameters[14].Value = row.Text;
                parameters[15].Value = row.InitiatedBy;
                parameters[16].Value = (object?)row.Reason ?? DBNull.Value;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        var loaded = Stopwatch.GetElapsedTime(started);
        started = Stopwatch.GetTimestamp();
        await ExecuteAsync(connection, "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);
        var analyzed = Stopwatch.GetElapsedTime(started);
        return new LoadResult(loaded, analyzed, new FileInfo(Location).Length);
    }

    public async Task<IReadOnlyList<string>> ExplainAsync(CapturedCommand command, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var explain = Prepare(connection, "EXPLAIN QUERY PLAN " + command.Sql, command);
        await using var reader = await explain.ExecuteReaderAsync(cancellationToken);
        var lines = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(reader.GetString(3));
        }

        return lines;
    }

    public async Task<double[]> RunRawAsync(CapturedCommand command, string capturedEnvironment, Func<string> nextEnvironment, int iterations, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var query = Prepare(connection, command.Sql, command);
        var environment = query.Parameters.Cast<SqliteParameter>().Single(p => Equals(p.Value, capturedEnvironment));
        var times = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            environment.Value = nextEnvironment();
            var started = Stopwatch.GetTimestamp();
            var rows = 0;
            await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows++;
                    for (var c = 0; c < reader.FieldCount; c++)
                    {
                        _ = reader.GetValue(c);
                    }
                }
            }

            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (rows == 0)
            {
                throw new InvalidOperationException("The raw feed query returned no rows: the copied parameters do not bind like EF's.");
            }
        }

        return times;
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder is in the temp directory.
        }

        return ValueTask.CompletedTask;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, CapturedCommand command)
    {
        var result = connection.CreateCommand();
        result.CommandText = sql;
        foreach (var parameter in command.Parameters.Cast<SqliteParameter>())
        {
            result.Parameters.Add(new SqliteParameter(parameter.ParameterName, parameter.Value));
        }

        return result;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandType = CommandType.Text;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
