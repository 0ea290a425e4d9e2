namespace Portal.Engine.Tests;

using System.Data.Common;
using System.Security.Cryptography;
using Npgsql;
using Portal.Contracts;
using Portal.Engine.Adapters.PostgreSql;

public sealed class PostgreSqlSnapshotTests : IAsyncLifetime
{
    private readonly Workspace _ws = new(chunkSize: 64 * 1024);
    private readonly List<string> _databases = [];
    private readonly List<string> _roles = [];
    private string _server = "";

    public ValueTask InitializeAsync()
    {
        _server = TestServers.Require("PORTAL_TEST_POSTGRES");
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await ExecuteAsync(Admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }

        foreach (var role in _roles)
        {
            await ExecuteAsync(Admin, $"DROP ROLE IF EXISTS {role}");
        }

        _ws.Dispose();
    }

    [Fact]
    public async Task RestoreAfterInsertUpdateDeleteGivesTheSnapshotRowsBack()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        var before = await StateAsync(db);
        var result = await _ws.CaptureAsync("s1", Spec(db));
        Assert.True(result.SizeOfDatabases > 64 * 1024, "dump spans several chunks");

        await ExecuteAsync(db, """
            INSERT INTO shop.orders (customer, total) VALUES ('late', 1.00);
            UPDATE shop.orders SET total = total * 2, customer = 'changed ✓' WHERE id <= 50;
            DELETE FROM shop.orders WHERE id > 2500;
            CREATE TABLE public.added_later (id int PRIMARY KEY);
            CREATE SCHEMA added_schema;
            DROP VIEW shop.big_orders;
            """);
        Assert.NotEqual(before, await StateAsync(db));

        await _ws.RestoreAsync("s1", Spec(db));

        Assert.Equal(before, await StateAsync(db));
    }

    [Fact]
    public async Task CancelledDumpWritesNoManifestAndLeavesNoTempFiles()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        using var cancel = new CancellationTokenSource();
        var progress = new MountSnapshotTests.SyncProgress(p =>
        {
            if (p.BytesDone > 0)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _ws.Engine.CaptureAsync(new CaptureRequest("s1", "env-1", [Spec(db)]), progress, cancel.Token));

        Assert.False(await _ws.Engine.HasManifestAsync("s1", TestContext.Current.CancellationToken));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_ws.StorePath, "tmp")));
    }

    [Fact]
    public async Task RestoreIntoAnotherDatabaseGivesAnEqualCopy()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        await _ws.CaptureAsync("s1", Spec(db));
        var other = await NewDatabaseAsync();

        await _ws.RestoreAsync("s1", Spec(other));

        Assert.Equal(await StateAsync(db), await StateAsync(other));
    }

    [Fact]
    public async Task LoadFailingHalfwayRollsBackToTheDatabaseAsItWas()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        // The load fails after the schemas were already dropped.
        var (other, asOwner) = await SnapshotWithDblinkThenAnOwnersDatabaseAsync(db);
        await using (var connection = new NpgsqlConnection(asOwner.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await Db.ExecuteAsync(connection, "CREATE TABLE public.keep_me (id int); INSERT INTO public.keep_me VALUES (42);");
        }

        var state = await StateAsync(other);
        Assert.Contains("public|keep_me|r|", state, StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() =>
            _ws.RestoreAsync("s1", new ServiceSpec("db", ServiceKind.PostgreSql, asOwner.ConnectionString)));

        Assert.Contains("dblink", ex.Message, StringComparison.Ordinal);
        Assert.Equal(state, await StateAsync(other));
    }

    /// <summary>A dump small enough to fit in the pipe is sent whole before psql fails on it: the failure must still end the restore.</summary>
    [Fact]
    public async Task ASmallDumpThatFailsToLoadSaysWhyAndChangesNothing()
    {
        var (other, asOwner) = await SnapshotWithDblinkThenAnOwnersDatabaseAsync(await NewDatabaseAsync());
        var state = await StateAsync(other);

        var restore = _ws.RestoreAsync("s1", new ServiceSpec("db", ServiceKind.PostgreSql, asOwner.ConnectionString));
        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() => restore.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));

        Assert.Contains("dblink", ex.Message, StringComparison.Ordinal);
        Assert.Equal(state, await StateAsync(other));
    }

    /// <summary>The dump is loaded into an open transaction while the other services prepare; it commits only once they all did.</summary>
    [Fact]
    public async Task ACorruptObjectOfAnotherServiceLeavesTheDatabaseAsItWasAfterItsLoadRan()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        var media = _ws.PathOf("media");
        Directory.CreateDirectory(media);
        // Big enough that the mount is still being built when the database's load has finished.
        File.WriteAllBytes(Path.Combine(media, "big.bin"), RandomNumberGenerator.GetBytes(8 << 20));
        ServiceSpec[] services = [Spec(db), new("media", ServiceKind.Mount, media)];
        await _ws.CaptureAsync("s1", services);
        var last = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(_ws.ManifestFile("s1")))!["services"]![1]!["mount"]!["entries"]![0]!["chunks"]!.AsArray()[^1]!["hash"]!.GetValue<string>();
        var bytes = File.ReadAllBytes(_ws.ObjectFile(last));
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(_ws.ObjectFile(last), bytes);
        await ExecuteAsync(db, "DELETE FROM shop.orders WHERE id > 100; CREATE TABLE public.added_later (id int);");
        var changed = await StateAsync(db);

        var ex = await Assert.ThrowsAsync<SnapshotCorruptException>(() => _ws.RestoreAsync("s1", services));

        Assert.Equal(last, ex.ObjectHash);
        Assert.Equal(changed, await StateAsync(db));
    }

    [Fact]
    public async Task RestoreKeepsThePublicSchemaCommentAsItWasInTheSnapshot()
    {
        var db = await NewDatabaseAsync();
        var other = await NewDatabaseAsync();
        await ExecuteAsync(other, "COMMENT ON SCHEMA public IS 'changed after the snapshot'");
        await _ws.CaptureAsync("s1", Spec(db));

        await _ws.RestoreAsync("s1", Spec(other));

        Assert.Equal("standard public schema", await PublicCommentAsync(other));
    }

    /// <summary>What happens when Portal dies while psql loads: psql reads to the end of its cut input and exits without COMMIT.</summary>
    [Fact]
    public async Task ALoadWhoseInputIsCutShortChangesNothing()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        await _ws.CaptureAsync("s1", Spec(db));
        var target = await NewDatabaseAsync();
        await ExecuteAsync(target, "CREATE TABLE public.keep_me (id int); INSERT INTO public.keep_me VALUES (42);");
        var before = await StateAsync(target);
        var dump = await DumpAsync(db);

        var psql = Client("psql", target, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-");
        psql.RedirectStandardInput = true;
        psql.RedirectStandardError = true;
        using (var process = System.Diagnostics.Process.Start(psql)!)
        {
            await process.StandardInput.WriteAsync(PostgreSqlAdapter.ResetSchemas + dump[..(dump.Length / 2)]);
            process.StandardInput.Close();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(before, await StateAsync(target));
    }

    /// <summary>
    /// Snapshot s1 of <paramref name="db"/> holding dblink, which is untrusted: only a superuser may create it, so loading the
    /// dump into the returned database, as its owner (not a superuser), fails.
    /// </summary>
    private async Task<(string Database, NpgsqlConnectionStringBuilder AsOwner)> SnapshotWithDblinkThenAnOwnersDatabaseAsync(string db)
    {
        await ExecuteAsync(db, "CREATE EXTENSION dblink WITH SCHEMA public");
        await _ws.CaptureAsync("s1", Spec(db));
        var owner = TestServers.UniqueName("portal_owner_");
        await ExecuteAsync(Admin, $"CREATE ROLE {owner} LOGIN");
        _roles.Add(owner);
        var other = await NewDatabaseAsync(owner);
        return (other, new NpgsqlConnectionStringBuilder(_server) { Database = other, Username = owner });
    }

    private async Task<string> DumpAsync(string db)
    {
        var start = Client("pg_dump", db, "--no-owner", "--no-privileges");
        start.RedirectStandardOutput = true;
        using var process = System.Diagnostics.Process.Start(start)!;
        var dump = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Contains("COPY shop.orders", dump, StringComparison.Ordinal);
        return dump;
    }

    /// <summary>A PostgreSQL client tool started against one of the test's databases on the test server.</summary>
    private System.Diagnostics.ProcessStartInfo Client(string tool, string db, params string[] arguments)
    {
        var server = new NpgsqlConnectionStringBuilder(_server);
        var start = new System.Diagnostics.ProcessStartInfo(tool);
        foreach (var argument in new[] { $"--host={server.Host}", $"--port={server.Port}", $"--username={server.Username}", $"--dbname={db}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private async Task<string> PublicCommentAsync(string db)
    {
        await using var connection = await OpenAsync(db);
        return Db.Rows(connection, "SELECT obj_description('public'::regnamespace, 'pg_namespace')").Trim().TrimEnd('|');
    }

    private ServiceSpec Spec(string database) =>
        new("db", ServiceKind.PostgreSql, new NpgsqlConnectionStringBuilder(_server) { Database = database }.ConnectionString);

    private string Admin => new NpgsqlConnectionStringBuilder(_server).Database!;

    private async Task<string> NewDatabaseAsync(string? owner = null)
    {
        var name = TestServers.UniqueName("portal_test_");
        _databases.Add(name);
        await ExecuteAsync(Admin, $"CREATE DATABASE \"{name}\"" + (owner is null ? "" : $" OWNER {owner}"));
        return name;
    }

    private Task SeedAsync(string db) => ExecuteAsync(db, """
        CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
        CREATE SCHEMA shop;
        CREATE TABLE shop.orders (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2), note bytea, at timestamptz, tags text[]);
        INSERT INTO shop.orders (customer, total, note, at, tags)
          SELECT 'customer ' || i || ' 😀', i * 1.25, CASE WHEN i % 7 = 0 THEN NULL ELSE public.gen_random_bytes(48) END,
                 timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second', ARRAY['a', i::text]
          FROM generate_series(1, 3000) AS i;
        CREATE VIEW shop.big_orders AS SELECT id, total FROM shop.orders WHERE total > 1000;
        """);

    private async Task<string> StateAsync(string db)
    {
        await using var connection = await OpenAsync(db);
        var objects = Db.Rows(connection, """
            SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' ORDER BY 1, 2
            """) + Db.Rows(connection, "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1");
        return objects.Contains("shop|orders|r|", StringComparison.Ordinal)
            ? objects + Db.Rows(connection, "SELECT id, customer, total, encode(note, 'hex'), at, tags::text FROM shop.orders ORDER BY id")
                + Db.Rows(connection, "SELECT last_value FROM shop.orders_id_seq")
            : objects;
    }

    private Task ExecuteAsync(string db, string sql) => Sql.ExecuteAsync(db, sql);

    private Task<DbConnection> OpenAsync(string db) => Sql.OpenAsync(db);

    private ServerDatabases Sql => new(db => new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Database = db, Pooling = false }.ConnectionString));
}
