namespace Portal.Infrastructure.Tests.Support;

using Npgsql;

/// <summary>A fresh, empty metadata database on the given provider; PostgreSQL comes from the server the test command starts.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "PORTAL_TEST_POSTGRES";

    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private TestDatabase(DatabaseProvider provider, string? connectionString, string? adminConnectionString, string? databaseName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _adminConnectionString = adminConnectionString;
        _databaseName = databaseName;
    }

    public DatabaseProvider Provider { get; }

    /// <summary>Null for SQLite: Portal puts portal.db in its data folder.</summary>
    public string? ConnectionString { get; }

    public static TheoryData<string> Providers => [nameof(DatabaseProvider.Sqlite), nameof(DatabaseProvider.PostgreSQL)];

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        if (provider == nameof(DatabaseProvider.Sqlite))
        {
            return new TestDatabase(DatabaseProvider.Sqlite, null, null, null);
        }

        var admin = TestServers.Require(PostgresVariable);

        var name = $"portal_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(DatabaseProvider.PostgreSQL, builder.ConnectionString, admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_adminConnectionString is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
