namespace Portal.Bench;

using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Portal.Infrastructure;

/// <summary>A new database on the given server, dropped at the end.</summary>
internal sealed class PostgresBenchDatabase(string serverConnectionString) : IBenchDatabase
{
    private readonly string database = "portal_bench_" + Guid.NewGuid().ToString("N")[..10];
    private bool created;

    public string Name => "PostgreSQL";

    public DatabaseProvider Provider => DatabaseProvider.PostgreSQL;

    public string Location
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"{database} on {builder.Host}:{builder.Port}";
        }
    }

    public string ConnectionString => new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ToString();

    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        created = true;
    }

    public async Task<string> VersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 'PostgreSQL ' || current_setting('server_version') || ' (default settings, shared_buffers ' || current_setting('shared_buffers') || ')'", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<LoadResult> BulkLoadAsync(ActivityColumns columns, ActivityGenerator rows, string projectId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);

        var storedIds = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand(
            $"SELECT {ActivityColumns.Quote("Id")}, {ActivityColumns.Quote("Name")} FROM {ActivityColumns.Quote(columns.EnvironmentsTable)}", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                storedIds[reader.GetString(1)] = reader.GetGuid(0);
            }
        }

        var environmentIds = rows.EnvironmentNames.Select(name => storedIds[name]).ToArray();
        var names = ActivityColumns.Properties;
        var states = Enum.GetValues<Core.Activities.ActivityState>().ToDictionary(s => s, s => (string)columns.ToProvider(names[5], s)!);
        var results = Enum.GetValues<Core.Activities.ActivityResult>().ToDictionary(r => r, r => (string)columns.ToProvider(names[6], r)!);

        var started = Stopwatch.GetTimestamp();
        var copy = $"COPY {ActivityColumns.Quote(columns.Table)} ({string.Join(", ", columns.Columns.Select(ActivityColumns.Quote))}) FROM STDIN (FORMAT BINARY)";
        await using (var writer = await connection.BeginBinaryImportAsync(copy, cancellationToken))
        {
            // Synchronous writes: the importer buffers, and per-value awaits would cost more than the I/O they hide.
            foreach (var row in rows.Rows())
            {
                writer.StartRow();
                writer.Write(row.Id, NpgsqlDbType.Varchar);
                writer.Write(projectId, NpgsqlDbType.Varchar);
                writer.Write(environmentIds[row.EnvironmentIndex], NpgsqlDbType.Uuid);
                writer.Write(rows.EnvironmentNames[row.EnvironmentIndex], NpgsqlDbType.Varchar);
                writer.Write(row.Type, NpgsqlDbType.Varchar);
                writer.Write(states[row.State], NpgsqlDbType.Varchar);
                WriteNullable(writer, row.Result is { } result ? results[result] : null, NpgsqlDbType.Varchar);
                writer.Write(row.CompletionPercent, NpgsqlDbType.Integer);
                writer.Write(row.CreatedAt, NpgsqlDbType.TimestampTz);
                WriteNullable(writer, row.StartedAt, NpgsqlDbType.TimestampTz);
                WriteNullable(writer, row.CompletedAt, NpgsqlDbType.TimestampTz);
                writer.Write(row.Log, NpgsqlDbType.Text);
                WriteNullable(writer, row.SnapshotId, NpgsqlDbType.Varchar);
                WriteNullable(writer, row.Payload, NpgsqlDbType.Varchar);
                writer.Write(row.Text, NpgsqlDbType.Varchar);
                writer.Write(row.InitiatedBy, NpgsqlDbType.Varchar);
                WriteNullable(writer, row.Reason, NpgsqlDbType.Varchar);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        var loaded = Stopwatch.GetElapsedTime(started);

        // VACUUM as well as ANALYZE: otherwise autovacuum wakes up for the million inserts in the middle of the timing.
        started = Stopwatch.GetTimestamp();
        await using (var analyze = new NpgsqlCommand("VACUUM (ANALYZE)", connection))
        {
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        var analyzed = Stopwatch.GetElapsedTime(started);
        await using var size = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return new LoadResult(loaded, analyzed, (long)(await size.ExecuteScalarAsync(cancellationToken))!);
    }

    public async Task<IReadOnlyList<string>> ExplainAsync(CapturedCommand command, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var explain = Prepare(connection, "EXPLAIN (ANALYZE, BUFFERS) " + command.Sql, command);
        await using var reader = await explain.ExecuteReaderAsync(cancellationToken);
        var lines = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    public async Task<double[]> RunRawAsync(CapturedCommand command, string capturedEnvironment, Func<string> nextEnvironment, int iterations, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var query = Prepare(connection, command.Sql, command);
        var environment = query.Parameters.Single(p => Equals(p.Value, capturedEnvironment));
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

    public async ValueTask DisposeAsync()
    {
        if (!created)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static NpgsqlCommand Prepare(NpgsqlConnection connection, string sql, CapturedCommand command)
    {
        var result = new NpgsqlCommand(sql, connection);
        foreach (var parameter in command.Parameters.Cast<NpgsqlParameter>())
        {
            result.Parameters.Add(parameter.Clone());
        }

        return result;
    }

    private static void WriteNullable<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type)
        where T : class
    {
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.Write(value, type);
        }
    }

    private static void WriteNullable<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } present)
        {
            writer.Write(present, type);
        }
        else
        {
            writer.WriteNull();
        }
    }
}
