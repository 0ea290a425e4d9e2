namespace Portal.Engine;

using Microsoft.Extensions.Options;
using MySqlConnector;
using Npgsql;
using Portal.Contracts;
using Portal.Engine.Adapters;
using StackExchange.Redis;

/// <summary>
/// Checks, without changing anything, that a service can be snapshotted here: the folder or file exists, the client
/// tools are installed, the server answers, a MariaDB user holds every privilege a capture and a restore need.
/// Returns why not, in words an admin can act on; null when all is well.
/// </summary>
public sealed class ServiceChecker(IOptions<EngineOptions> options)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public async Task<string?> CheckAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            return spec.Kind switch
            {
                ServiceKind.Mount => Directory.Exists(spec.Location) ? null : $"Mount '{spec.Name}': the folder {spec.Location} does not exist.",
                ServiceKind.Sqlite => File.Exists(spec.Location) ? null : $"Service '{spec.Name}': the SQLite database {spec.Location} does not exist.",
                ServiceKind.MySql => await CheckMySqlAsync(spec, cancellationToken),
                ServiceKind.PostgreSql => await CheckPostgreSqlAsync(spec, cancellationToken),
                ServiceKind.Redis => await CheckRedisAsync(spec),
                _ => $"Service '{spec.Name}': unknown kind {spec.Kind}.",
            };
        }
        catch (SnapshotEngineException ex)
        {
            return ex.Message;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            return $"Service '{spec.Name}': its connection setting is not valid ({ex.Message}).";
        }
    }

    private async Task<string?> CheckMySqlAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        ExternalTool.Locate(options.Value, spec.Name, "mariadb-client", "mariadb-dump", "mysqldump");
        ExternalTool.Locate(options.Value, spec.Name, "mariadb-client", "mariadb", "mysql");
        var builder = new MySqlConnectionStringBuilder(spec.Location) { ConnectionTimeout = (uint)ConnectTimeout.TotalSeconds, Pooling = false };
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

    private async Task<string?> CheckPostgreSqlAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        ExternalTool.Locate(options.Value, spec.Name, "postgresql-client", "pg_dump");
        ExternalTool.Locate(options.Value, spec.Name, "postgresql-client", "psql");
        var builder = new NpgsqlConnectionStringBuilder(spec.Location) { Timeout = (int)ConnectTimeout.TotalSeconds, Pooling = false };
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

    private static async Task<string?> CheckRedisAsync(ServiceSpec spec)
    {
        var configuration = ConfigurationOptions.Parse(spec.Location);
        configuration.AbortOnConnectFail = true;
        configuration.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
            return null;
        }
        catch (RedisConnectionException ex)
        {
            return $"Service '{spec.Name}': cannot reach Redis at {string.Join(", ", configuration.EndPoints)}: {ex.Message}";
        }
    }
}
