namespace Portal.Testing;

using Npgsql;

/// <summary>
/// A fresh, empty metadata database on the given provider: SQLite is portal.db in Portal's data folder, PostgreSQL a
/// uniquely named database on the server the test command starts, dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSQL";

    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private TestDatabase(string provider, string? connectionString, string? adminConnectionString, string? databaseName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _adminConnectionString = adminConnectionString;
        _databaseName = databaseName;
    }

    /// <summary>The value of <c>Database:Provider</c>.</summary>
    public string Provider { get; }

    /// <summary>Null for SQLite: Portal puts portal.db in its data folder.</summary>
    public string? ConnectionString { get; }

    public bool IsPostgreSql => Provider == PostgreSql;

    public static TheoryData<string> Providers => [Sqlite, PostgreSql];

    /// <summary>The <c>Database:*</c> settings that point Portal at this database.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Database:Provider"] = Provider,
        ["Database:ConnectionString"] = ConnectionString,
    };

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        if (provider == Sqlite)
        {
            return new TestDatabase(Sqlite, null, null, null);
        }

        Assert.Equal(PostgreSql, provider);
        var admin = TestServers.Require(TestServers.Postgres);
        var name = TestServers.UniqueName("portal_test_");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(PostgreSql, builder.ConnectionString, admin, name);
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
