namespace Portal.Infrastructure.Tests.Snapshots;

using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tests.Support;
using StackExchange.Redis;

/// <summary>
/// A restore whose commit fails after it began must not hand the environment back mixed: the safety snapshot is put back,
/// or, without one, the environment says it needs attention. The failure is real: Portal's Redis user may read every key but
/// write only session keys (an ACL), so the snapshot holds a key its commit is refused to write back, after PostgreSQL and
/// the mount were replaced. A failure while building (PostgreSQL refusing the dump) replaces nothing at all.
/// </summary>
public sealed class RestoreRollbackTests : IAsyncLifetime
{
    private const string Project = "shop";
    private const string Environment = "master";

    private readonly string _database = TestServers.UniqueName("portal_rollback_");
    private readonly string _owner = TestServers.UniqueName("portal_owner_");
    private const int RedisDatabase = 13;

    private readonly string _media = Directory.CreateTempSubdirectory("portal-rollback-").FullName;
    private readonly string _redisUser = TestServers.UniqueName("portal_sessions_");
    private string _server = "";
    private ConnectionMultiplexer? _redis;

    public async ValueTask InitializeAsync()
    {
        _server = TestServers.Require("PORTAL_TEST_POSTGRES");
        // One statement per call: CREATE DATABASE refuses to run in the implicit transaction of a batch.
        await SqlAsync(_server, $"CREATE ROLE {_owner} LOGIN");
        await SqlAsync(_server, $"CREATE DATABASE {_database} OWNER {_owner}");
        await SqlAsync(Owner, "CREATE TABLE public.orders (id int PRIMARY KEY, total numeric); INSERT INTO public.orders VALUES (1, 10), (2, 20);");
        File.WriteAllText(Path.Combine(_media, "a.jpg"), "first image");
        _redis = await ConnectionMultiplexer.ConnectAsync(TestServers.Require(TestServers.Redis) + ",allowAdmin=true");
        await _redis.GetServers().Single().ExecuteAsync("ACL", "SETUSER", _redisUser, "on", ">secret", "+@all", "&*", "%R~*", "%W~session:*");
        await _redis.GetServers().Single().FlushDatabaseAsync(RedisDatabase);
        await Keys.StringSetAsync("session:1", "logged in");
    }

    private IDatabase Keys => _redis!.GetDatabase(RedisDatabase);

    public async ValueTask DisposeAsync()
    {
        if (_server.Length > 0)
        {
            await SqlAsync(_server, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
            await SqlAsync(_server, $"DROP ROLE IF EXISTS {_owner}");
        }

        if (_redis is not null)
        {
            await _redis.GetServers().Single().ExecuteAsync("ACL", "DELUSER", _redisUser);
            await _redis.GetServers().Single().FlushDatabaseAsync(RedisDatabase);
            await _redis.DisposeAsync();
        }

        Directory.Delete(_media, recursive: true);
    }

    [Fact]
    public async Task ARestoreThatFailsWhileReplacingPutsTheSafetySnapshotBack()
    {
        await using var host = await StartAsync();
        var snapshotId = await SnapshotWithAKeyPortalMayNotWriteBackAsync(host);
        var before = await StateAsync();

        var restore = await RestoreAsync(host, snapshotId, new RestoreOptions());

        Assert.Equal(ActivityResult.Failure, restore.Result);
        Assert.Contains("was put back", restore.Reason, StringComparison.Ordinal);
        Assert.Contains("NOPERM", restore.Log, StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync());
        var environment = await EnvironmentAsync(host);
        Assert.Equal(EnvironmentStatus.Active, environment.Status);
        Assert.Null(environment.StatusReason);
        Assert.Empty(await JournalsAsync(host));
    }

    [Fact]
    public async Task ARestoreThatFailsWhileReplacingWithoutASafetySnapshotMarksTheEnvironmentAsNeedingAttentionUntilARestoreRepairsIt()
    {
        await using var host = await StartAsync();
        var snapshotId = await SnapshotWithAKeyPortalMayNotWriteBackAsync(host);

        var restore = await RestoreAsync(host, snapshotId, new RestoreOptions { TakeSafetySnapshot = false });

        Assert.Equal(ActivityResult.Failure, restore.Result);
        Assert.Contains("no safety snapshot", restore.Reason, StringComparison.Ordinal);
        var environment = await EnvironmentAsync(host);
        Assert.Equal(EnvironmentStatus.Dirty, environment.Status);
        Assert.Contains($"restore a snapshot to make {Environment} whole again", environment.StatusReason, StringComparison.Ordinal);
        Assert.Empty(await JournalsAsync(host));

        // A restore that succeeds repairs it: active again, without the reason.
        var ct = TestContext.Current.CancellationToken;
        var repair = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(repair.Id)).Result);
        Assert.Equal(EnvironmentStatus.Dirty, (await EnvironmentAsync(host)).Status);
        var repaired = await RestoreAsync(host, repair.SnapshotId!, new RestoreOptions());
        Assert.True(repaired.Result == ActivityResult.Success, repaired.Log);
        environment = await EnvironmentAsync(host);
        Assert.Equal(EnvironmentStatus.Active, environment.Status);
        Assert.Null(environment.StatusReason);
    }

    [Fact]
    public async Task ARestoreWhoseDatabaseRefusesTheDumpFailsBeforeReplacingAnything()
    {
        await using var host = await StartAsync();
        // dblink is untrusted: only a superuser may create it, so loading the dump as the database's owner fails while building.
        await SqlAsync(AsSuperuser, "CREATE EXTENSION dblink WITH SCHEMA public");
        var snapshotId = await SnapshotThenChangeEverythingAsync(host);
        await SqlAsync(AsSuperuser, "DROP EXTENSION dblink");
        var before = await StateAsync();

        var restore = await RestoreAsync(host, snapshotId, new RestoreOptions { TakeSafetySnapshot = false });

        Assert.Equal(ActivityResult.Failure, restore.Result);
        Assert.Contains("dblink", restore.Reason, StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync());
        var environment = await EnvironmentAsync(host);
        Assert.Equal(EnvironmentStatus.Active, environment.Status);
        Assert.Null(environment.StatusReason);
        Assert.Empty(await JournalsAsync(host));
    }

    /// <summary>The snapshot holds a key Portal's Redis user may read but not write; it is gone before the restore, so the safety snapshot can load.</summary>
    private async Task<string> SnapshotWithAKeyPortalMayNotWriteBackAsync(PortalTestHost host)
    {
        await Keys.StringSetAsync("cache:blocked", "written by the shop's admin");
        var snapshotId = await SnapshotThenChangeEverythingAsync(host);
        await Keys.KeyDeleteAsync("cache:blocked");
        return snapshotId;
    }

    private async Task<string> SnapshotThenChangeEverythingAsync(PortalTestHost host)
    {
        var ct = TestContext.Current.CancellationToken;
        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, ct));
        var created = await host.WaitForCompletionAsync(snapshot.Id);
        Assert.True(created.Result == ActivityResult.Success, created.Log);

        await SqlAsync(Owner, "UPDATE public.orders SET total = 0; INSERT INTO public.orders VALUES (3, 30);");
        File.WriteAllText(Path.Combine(_media, "a.jpg"), "changed after the snapshot");
        File.WriteAllText(Path.Combine(_media, "b.jpg"), "added after the snapshot");
        await Keys.StringSetAsync("session:1", "changed after the snapshot");
        await Keys.StringSetAsync("session:2", "logged in after the snapshot");
        return snapshot.SnapshotId!;
    }

    private static async Task<Activity> RestoreAsync(PortalTestHost host, string snapshotId, RestoreOptions options)
    {
        var ct = TestContext.Current.CancellationToken;
        var restore = await host.InScopeAsync<SnapshotService, Activity>(s => s.RestoreAsync(PortalTestHost.Alice, Project, Environment, snapshotId, options, ct));
        return await host.WaitForCompletionAsync(restore.Id, TimeSpan.FromMinutes(2));
    }

    private async Task<PortalTestHost> StartAsync()
    {
        var host = await PortalTestHost.StartAsync(mediaFiles: 1, settings: new Dictionary<string, string?>
        {
            ["Projects:0:Id"] = Project,
            ["Projects:0:Admins:0"] = PortalTestHost.Alice.UserId,
            ["Projects:0:Environments:0:Name"] = Environment,
            ["Projects:0:Environments:0:Services:0:Name"] = "database",
            ["Projects:0:Environments:0:Services:0:Kind"] = "PostgreSql",
            ["Projects:0:Environments:0:Services:0:Location"] = Owner,
            ["Projects:0:Environments:0:Services:1:Name"] = "pub/media",
            ["Projects:0:Environments:0:Services:1:Kind"] = "Mount",
            ["Projects:0:Environments:0:Services:1:Location"] = _media,
            ["Projects:0:Environments:0:Services:2:Name"] = "sessions",
            ["Projects:0:Environments:0:Services:2:Kind"] = "Redis",
            ["Projects:0:Environments:0:Services:2:Location"] = $"{TestServers.Require(TestServers.Redis)},user={_redisUser},password=secret,defaultDatabase={RedisDatabase}",
        });
        await host.StartWorkerAsync();
        return host;
    }

    private static async Task<ProjectEnvironment> EnvironmentAsync(PortalTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.Environments.AsNoTracking().SingleAsync(e => e.ProjectId == Project && e.Name == Environment, TestContext.Current.CancellationToken);
    }

    private static async Task<List<string>> JournalsAsync(PortalTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.RestoreJournals.Select(j => j.ActivityId).ToListAsync(TestContext.Current.CancellationToken);
    }

    private async Task<string> StateAsync()
    {
        var text = new System.Text.StringBuilder();
        await using (var connection = new NpgsqlConnection(Owner))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT string_agg(id || '=' || total, ',' ORDER BY id) FROM public.orders UNION ALL SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension", connection);
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                text.AppendLine(reader.IsDBNull(0) ? "" : reader.GetString(0));
            }
        }

        foreach (var (path, entry) in DirectoryState.Capture(_media))
        {
            text.AppendLine($"{path} {entry}");
        }

        var server = _redis!.GetServers().Single();
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(RedisDatabase))
        {
            keys.Add(key.ToString());
        }

        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            text.AppendLine($"{key}={await Keys.StringGetAsync(key)}");
        }

        return text.ToString();
    }

    private string Owner => new NpgsqlConnectionStringBuilder(_server) { Database = _database, Username = _owner, Pooling = false }.ConnectionString;

    private string AsSuperuser => new NpgsqlConnectionStringBuilder(_server) { Database = _database, Pooling = false }.ConnectionString;

    private static async Task SqlAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
