namespace Portal.Bench;

using MySqlConnector;
using Npgsql;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using StackExchange.Redis;

/// <summary>
/// The shop the product mode measures, generated from its own seed: one mount folder, a sysbench-shaped MariaDB database
/// and Redis sessions, declared to Portal as one project whose environments each hold one service (files, mariadb, redis)
/// or all of them (shop), so each service is timed alone through the API and the whole environment together. A PostgreSQL
/// database (pgbench's accounts table) has an environment of its own: the shop stays the issue's, so its figures compare.
/// </summary>
internal sealed class ProductDataSet(ProductBenchOptions options, string work, string mariadb, string redisAddress, string? postgres)
{
    public const string ProjectId = "bench";
    public const string Admin = "bench-admin";
    public const string Database = "portal_bench_product";
    public const int RedisDatabase = 10;
    public const string WarmUpDatabase = "portal_bench_warmup";
    public const int WarmUpRedisDatabase = 11;
    // Each Redis service declares a database of its own to stage restores in (nothing else uses 12 and 13 on this server).
    public const int RedisStagingDatabase = 12;
    public const int WarmUpRedisStagingDatabase = 13;

    public EngineDataSet Data { get; } = new(DataShape.Product(options));

    /// <summary>The shop's mount (pub/media and var), as one folder.</summary>
    public string Files => Path.Combine(work, "shop", "files");

    /// <summary>A few small files whose snapshot after each start pays Portal's JIT and first-use costs before anything is timed.</summary>
    public string WarmUpFiles => Path.Combine(work, "shop", "warm-up");

    /// <summary>Small databases of every kind the shop has, so the warm-up runs each adapter's code, not only the mount's.</summary>
    public string WarmUpMySql => new MySqlConnectionStringBuilder(mariadb) { Database = WarmUpDatabase }.ConnectionString;

    public string WarmUpRedis => $"{redisAddress},defaultDatabase={WarmUpRedisDatabase},stagingDatabase={WarmUpRedisStagingDatabase}";

    public string MySqlConnectionString => new MySqlConnectionStringBuilder(mariadb) { Database = Database }.ConnectionString;

    public string RedisLocation => $"{redisAddress},defaultDatabase={RedisDatabase},stagingDatabase={RedisStagingDatabase}";

    /// <summary>The shop's PostgreSQL database, when a PostgreSQL server is configured.</summary>
    public string? PostgresConnectionString => postgres is null ? null : PostgresDatabase(Database);

    public int PostgresRows => Math.Max(1_000, (int)(500_000 * options.Scale));

    public int FileCount { get; private set; }

    public long FileBytes { get; private set; }

    public async Task GenerateAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        (FileCount, FileBytes) = Data.WriteFiles(Files);
        await WriteWarmUpFilesAsync(WarmUpFiles, options.Seed + 1, cancellationToken);
        await CreateWarmUpDatabasesAsync(redis, cancellationToken);
        await Data.CreateDatabaseAsync(mariadb, Database, cancellationToken);
        await redis.GetServers().Single().FlushDatabaseAsync(RedisDatabase);
        await Data.FillRedisAsync(redis.GetDatabase(RedisDatabase), cancellationToken);
        if (postgres is not null)
        {
            await PostgresAsync($"DROP DATABASE IF EXISTS {Database}; CREATE DATABASE {Database}", null, cancellationToken);
            // pgbench's accounts shape; hashtext of the seed and row number makes the balances, so the same seed gives the same table.
            await PostgresAsync(
                "CREATE TABLE accounts (aid integer PRIMARY KEY, bid integer NOT NULL, abalance integer NOT NULL, filler character(84)); "
                + $"INSERT INTO accounts SELECT g, g / 100000 + 1, hashtext('{options.Seed}:' || g) % 100000, md5(g::text) FROM generate_series(1, {PostgresRows}) g; "
                + "ANALYZE accounts",
                Database, cancellationToken);
        }
    }

    private async Task CreateWarmUpDatabasesAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        await using (var connection = new MySqlConnection(new MySqlConnectionStringBuilder(mariadb) { Database = "", Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"DROP DATABASE IF EXISTS {WarmUpDatabase}; CREATE DATABASE {WarmUpDatabase}; USE {WarmUpDatabase}; "
                + $"CREATE TABLE {WarmUpDatabase}.carts (id INT PRIMARY KEY, note VARCHAR(64) NOT NULL) ENGINE=InnoDB; "
                + $"INSERT INTO {WarmUpDatabase}.carts SELECT seq, MD5(seq) FROM seq_1_to_2000";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await redis.GetServers().Single().FlushDatabaseAsync(WarmUpRedisDatabase);
        var sessions = redis.GetDatabase(WarmUpRedisDatabase);
        await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => sessions.StringSetAsync($"warm_{i}", $"warm-up session {i}")));
        if (postgres is not null)
        {
            await PostgresAsync($"DROP DATABASE IF EXISTS {WarmUpDatabase}; CREATE DATABASE {WarmUpDatabase}", null, cancellationToken);
            await PostgresAsync("CREATE TABLE carts (id integer PRIMARY KEY, note text NOT NULL); INSERT INTO carts SELECT g, md5(g::text) FROM generate_series(1, 2000) g", WarmUpDatabase, cancellationToken);
        }
    }

    /// <summary>Row count and a checksum of every row of the accounts table.</summary>
    public async Task<string> PostgresFingerprintAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(PostgresDatabase(database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) || ':' || coalesce(sum(hashtext(a::text)::bigint), 0) FROM accounts a", connection) { CommandTimeout = 600 };
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task PostgresAsync(string sql, string? database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(PostgresDatabase(database ?? "postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private string PostgresDatabase(string database) => new NpgsqlConnectionStringBuilder(postgres) { Database = database, Pooling = false }.ConnectionString;

    public async Task RemoveAsync(IConnectionMultiplexer redis)
    {
        await Data.DropDatabaseAsync(mariadb, Database);
        await Data.DropDatabaseAsync(mariadb, WarmUpDatabase);
        await redis.GetServers().Single().FlushDatabaseAsync(RedisDatabase);
        await redis.GetServers().Single().FlushDatabaseAsync(WarmUpRedisDatabase);
        await redis.GetServers().Single().FlushDatabaseAsync(RedisStagingDatabase);
        await redis.GetServers().Single().FlushDatabaseAsync(WarmUpRedisStagingDatabase);
        if (postgres is not null)
        {
            await PostgresAsync($"DROP DATABASE IF EXISTS {Database}; DROP DATABASE IF EXISTS {Database}_tool; DROP DATABASE IF EXISTS {WarmUpDatabase}", null, CancellationToken.None);
        }
    }

    /// <summary>
    /// The warm-up environment's files: both kinds of content and sizes on both sides of the 128 KiB probe, enough files (and
    /// twice over) for the runtime to compile the per-file paths fully, as a Portal that has been running for a while has them.
    /// </summary>
    public static async Task WriteWarmUpFilesAsync(string folder, int seed, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        for (var i = 0; i < 80; i++)
        {
            var content = new byte[random.Next(1_000, 300_000)];
            if (i % 2 == 0)
            {
                random.NextBytes(content);
            }
            else
            {
                System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"warm-up line {i} of the shop's cache\n", content.Length / 32 + 1))).AsSpan(0, content.Length).CopyTo(content);
            }

            await File.WriteAllBytesAsync(Path.Combine(folder, $"warm-{i}.bin"), content, cancellationToken);
        }
    }

    /// <summary>The project as Portal reads it from configuration (Projects:0:…), the same declaration the tests hand a Portal process.</summary>
    public ProjectDefinition Project()
    {
        ServiceDefinition files = new() { Name = "files", Kind = ServiceKind.Mount, Location = Files };
        ServiceDefinition database = new() { Name = "database", Kind = ServiceKind.MySql, Location = MySqlConnectionString };
        ServiceDefinition sessions = new() { Name = "redis", Kind = ServiceKind.Redis, Location = RedisLocation };
        EnvironmentDefinition Environment(string name, params ServiceDefinition[] services) =>
            new() { Name = name, Title = name, Parent = name == "shop" ? null : "shop", Services = [.. services] };
        return new ProjectDefinition
        {
            Id = ProjectId,
            Title = "Benchmark shop",
            Admins = [Admin],
            Environments =
            [
                Environment("shop", files, database, sessions),
                Environment("files", files),
                Environment("mariadb", database),
                Environment("redis", sessions),
                Environment("warm-up", [
                    new ServiceDefinition { Name = "files", Kind = ServiceKind.Mount, Location = WarmUpFiles },
                    new ServiceDefinition { Name = "database", Kind = ServiceKind.MySql, Location = WarmUpMySql },
                    new ServiceDefinition { Name = "redis", Kind = ServiceKind.Redis, Location = WarmUpRedis },
                    .. postgres is null ? Array.Empty<ServiceDefinition>() : [new ServiceDefinition { Name = "postgresql", Kind = ServiceKind.PostgreSql, Location = PostgresDatabase(WarmUpDatabase) }]]),
                .. PostgresConnectionString is { } pg ? [Environment("postgresql", new ServiceDefinition { Name = "postgresql", Kind = ServiceKind.PostgreSql, Location = pg })] : Array.Empty<EnvironmentDefinition>(),
            ],
        };
    }
}
