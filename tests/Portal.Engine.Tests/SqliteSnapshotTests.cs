namespace Portal.Engine.Tests;

using Portal.Contracts;

public sealed class SqliteSnapshotTests : IDisposable
{
    private readonly Workspace _ws = new(chunkSize: 16 * 1024);
    private readonly string _db;

    public SqliteSnapshotTests()
    {
        _db = _ws.PathOf("env/app.db");
        Directory.CreateDirectory(Path.GetDirectoryName(_db)!);
        Db.Execute(_db, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, total REAL, note BLOB);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
            INSERT INTO orders SELECT i, 'customer ' || i, i * 1.5, randomblob(64) FROM n;
            """);
    }

    private ServiceSpec Database => new("db", ServiceKind.Sqlite, _db);

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task RestoreAfterInsertUpdateDeleteGivesTheSnapshotRowsBack()
    {
        var before = Db.Rows(_db, "orders");
        var result = await _ws.CaptureAsync("s1", Database);
        Assert.True(result.SizeOfDatabases > 16 * 1024, "several chunks");

        Db.Execute(_db, "INSERT INTO orders VALUES (5000, 'new', 1, NULL); UPDATE orders SET total = 0 WHERE id < 100; DELETE FROM orders WHERE id > 1500;");
        Assert.NotEqual(before, Db.Rows(_db, "orders"));

        await _ws.RestoreAsync("s1", Database);

        Assert.Equal(before, Db.Rows(_db, "orders"));
    }

    [Fact]
    public async Task AnOpenConnectionSeesTheRestoredRows()
    {
        using var app = Db.Open(_db);
        var before = Db.Rows(app, "orders");
        await _ws.CaptureAsync("s1", Database);
        Db.Execute(_db, "DELETE FROM orders WHERE id % 2 = 0;");

        await _ws.RestoreAsync("s1", Database);

        Assert.Equal(before, Db.Rows(app, "orders"));
        using var check = app.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", check.ExecuteScalar());
    }

    [Fact]
    public async Task RestoreIntoAnotherEnvironmentCreatesAnEqualDatabase()
    {
        await _ws.CaptureAsync("s1", Database);
        var other = _ws.PathOf("other/app.db");

        await _ws.RestoreAsync("s1", new ServiceSpec("db", ServiceKind.Sqlite, other));

        Assert.Equal(Db.Rows(_db, "orders"), Db.Rows(other, "orders"));
    }

    [Fact]
    public async Task MissingDatabaseFileIsAClearError()
    {
        var ex = await Assert.ThrowsAsync<SnapshotEngineException>(() =>
            _ws.CaptureAsync("s1", new ServiceSpec("db", ServiceKind.Sqlite, _ws.PathOf("missing.db"))));

        Assert.Contains("missing.db", ex.Message, StringComparison.Ordinal);
        Assert.False(await _ws.Engine.HasManifestAsync("s1", TestContext.Current.CancellationToken));
    }
}
