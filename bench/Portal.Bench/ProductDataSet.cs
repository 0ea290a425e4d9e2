namespace Portal.Bench;

using MySqlConnector;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using StackExchange.Redis;

/// <summary>
/// The shop the product mode measures, generated from its own seed: one mount folder, a sysbench-shaped MariaDB database
/// and Redis sessions, declared to Portal as one project whose environments each hold one service (files, mariadb, redis)
/// or all of them (shop), so each service is timed alone through the API and the whole environment together.
/// </summary>
internal sealed class ProductDataSet(ProductBenchOptions options, string work, string mariadb, string redisAddress)
{
    public const string ProjectId = "bench";
    public const string Admin = "bench-admin";
    public const string Database = "portal_bench_product";
    public const int RedisDatabase = 10;

    public EngineDataSet Data { get; } = new(DataShape.Product(options));

    /// <summary>The shop's mount (pub/media and var), as one folder.</summary>
    public string Files => Path.Combine(work, "shop", "files");

    /// <summary>A few small files whose snapshot after each start pays Portal's JIT and first-use costs before anything is timed.</summary>
    public string WarmUpFiles => Path.Combine(work, "shop", "warm-up");

    public string MySqlConnectionString => new MySqlConnectionStringBuilder(mariadb) { Database = Database }.ConnectionString;

    public string RedisLocation => $"{redisAddress},defaultDatabase={RedisDatabase}";

    public int FileCount { get; private set; }

    public long FileBytes { get; private set; }

    public async Task GenerateAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        (FileCount, FileBytes) = Data.WriteFiles(Files);
        Directory.CreateDirectory(WarmUpFiles);
        for (var i = 0; i < 20; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(WarmUpFiles, $"warm-{i}.txt"), new string('w', 1_000 * (i + 1)), cancellationToken);
        }

        await Data.CreateDatabaseAsync(mariadb, Database, cancellationToken);
        await redis.GetServers().Single().FlushDatabaseAsync(RedisDatabase);
        await Data.FillRedisAsync(redis.GetDatabase(RedisDatabase), cancellationToken);
    }

    public async Task RemoveAsync(IConnectionMultiplexer redis)
    {
        await Data.DropDatabaseAsync(mariadb, Database);
        await redis.GetServers().Single().FlushDatabaseAsync(RedisDatabase);
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
                Environment("warm-up", new ServiceDefinition { Name = "files", Kind = ServiceKind.Mount, Location = WarmUpFiles }),
            ],
        };
    }
}
