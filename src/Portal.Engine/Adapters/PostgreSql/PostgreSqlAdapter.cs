namespace Portal.Engine.Adapters.PostgreSql;

using System.Text;
using Npgsql;
using Portal.Contracts;
using Portal.Engine.Adapters.Common;
using Portal.Engine.Manifests;

/// <summary>
/// A PostgreSQL database as a plain pg_dump (one snapshot-isolated transaction), restored by psql in one transaction
/// that first drops the user schemas, so a failed or interrupted restore rolls back and leaves the database as it was.
/// </summary>
internal sealed class PostgreSqlAdapter(EngineOptions options) : IServiceAdapter
{
    // Objects created after the snapshot must go too; public is recreated as PostgreSQL creates it, comment included,
    // since pg_dump leaves out whatever of public is still the default. BEGIN is sent by Portal, not psql's
    // --single-transaction: psql commits that one at the end of its input, even input cut short by Portal dying.
    internal const string ResetSchemas = """
        \set ON_ERROR_STOP on
        BEGIN;
        -- The transaction stays open, idle, while the other services prepare: a server's idle timeout must not end it.
        SET LOCAL idle_in_transaction_session_timeout = 0;
        DO $portal$
        DECLARE s record;
        BEGIN
          FOR s IN SELECT nspname FROM pg_catalog.pg_namespace
                   WHERE nspname NOT IN ('pg_catalog', 'information_schema')
                     AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'
          LOOP
            EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
          END LOOP;
          IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pg_database_owner') THEN
            CREATE SCHEMA public AUTHORIZATION pg_database_owner;
          ELSE
            CREATE SCHEMA public;
          END IF;
          GRANT USAGE ON SCHEMA public TO PUBLIC;
          COMMENT ON SCHEMA public IS 'standard public schema';
        END
        $portal$;

        """;

    // Sent only once every service is ready: without it the server rolls the transaction back when psql goes.
    internal const string Commit = "\nCOMMIT;\n";

    public ServiceKind Kind => ServiceKind.PostgreSql;

    public async Task<string?> CheckAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        ExternalTool.Locate(options, spec.Name, "postgresql-client", "pg_dump");
        ExternalTool.Locate(options, spec.Name, "postgresql-client", "psql");
        var builder = new NpgsqlConnectionStringBuilder(spec.Location) { Timeout = (int)ServiceEntries.CheckConnectTimeout.TotalSeconds, Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return $"Service '{spec.Name}': cannot reach PostgreSQL at {builder.Host}:{builder.Port}: {ex.Message}";
        }
    }

    public async Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context)
    {
        var target = Parse(spec);
        var dump = ExternalTool.Locate(options, spec.Name, "postgresql-client", "pg_dump");
        await using (var connection = await ConnectAsync(spec, target, context.CancellationToken))
        await using (var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection))
        {
            context.Progress.AddTotal((long)(await command.ExecuteScalarAsync(context.CancellationToken))!);
        }

        context.Progress.Phase($"Dumping PostgreSQL database {spec.Name}");
        // Owners and grants are left out so the dump restores into another environment whose roles differ.
        string[] arguments = [.. ClientArguments(target), "--format=plain", "--no-owner", "--no-privileges", "--encoding=UTF8"];
        using var sink = context.NewSink();
        await dump.RunAsync(arguments, Environment(target), feed: null, sink, context.CancellationToken);
        return new ManifestService(spec.Name, ServiceKind.PostgreSql, sink.TotalLength, sink.Complete(), null);
    }

    public void CheckRestorable(ManifestService entry, ServiceSpec target)
    {
        _ = ServiceEntries.RequireChunks(entry, "PostgreSQL database");

        _ = Parse(target);
    }

    /// <summary>Loads the dump inside a transaction left open until commit (see <see cref="PostgreSqlStagedLoad"/>).</summary>
    public async Task<IPreparedRestore> PrepareRestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context)
    {
        var server = Parse(target);
        var psql = ExternalTool.Locate(options, target.Name, "postgresql-client", "psql");
        await (await ConnectAsync(target, server, context.CancellationToken)).DisposeAsync();
        context.Progress.Phase($"Loading PostgreSQL database {target.Name}");
        string[] arguments = [.. ClientArguments(server), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-"];
        return await PostgreSqlStagedLoad.PrepareAsync(psql, arguments, Environment(server), entry, context);
    }

    private static NpgsqlConnectionStringBuilder Parse(ServiceSpec spec)
    {
        var builder = ServiceEntries.ParseLocation(spec, "PostgreSQL", location => new NpgsqlConnectionStringBuilder(location));

        if (string.IsNullOrEmpty(builder.Database) || string.IsNullOrEmpty(builder.Host))
        {
            throw new SnapshotEngineException($"PostgreSQL service '{spec.Name}': the connection string must name a host and a database.");
        }

        return builder;
    }

    private static async Task<NpgsqlConnection> ConnectAsync(ServiceSpec spec, NpgsqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or PostgresException)
        {
            await connection.DisposeAsync();
            throw new SnapshotEngineException($"PostgreSQL service '{spec.Name}': cannot connect to {target.Host}:{target.Port} database {target.Database} as {target.Username}: {ex.Message}", ex);
        }
    }

    private static IEnumerable<string> ClientArguments(NpgsqlConnectionStringBuilder target)
    {
        yield return $"--host={target.Host}";
        yield return $"--port={target.Port}";
        yield return $"--username={target.Username ?? "postgres"}";
        yield return $"--dbname={target.Database}";
        yield return "--no-password";
    }

    /// <summary>The password travels in the environment, never on a command line other users can read.</summary>
    private static Dictionary<string, string> Environment(NpgsqlConnectionStringBuilder target) => new()
    {
        ["PGPASSWORD"] = target.Password ?? "",
        ["PGCONNECT_TIMEOUT"] = "15",
        ["PGSSLMODE"] = target.SslMode.ToString().ToLowerInvariant() switch
        {
            "disable" => "disable",
            "require" => "require",
            "verifyca" => "verify-ca",
            "verifyfull" => "verify-full",
            _ => "prefer",
        },
    };
}
