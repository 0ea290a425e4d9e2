namespace Portal.Engine.Tests;

using MySqlConnector;
using Portal.Engine.Adapters.MySql;
using Portal.Engine.Manifests;

/// <summary>
/// Physical capture: InnoDB .ibd/.cfg files copied under FLUSH TABLES … FOR EXPORT and imported through a staging database.
/// The test command starts MariaDB on this machine as this user's server, so its data directory is reachable.
/// </summary>
public sealed class MySqlTableFileSnapshotTests : MySqlSnapshotTests
{
    protected override bool CopiesTableFiles => true;

    [Fact]
    public async Task LiveCaptureLocksNoTableAndUsesTheLogicalFormat()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);

        await Ws.Engine.CaptureAsync(new CaptureRequest("s1", "env-1", [Spec(db)], Live: true), Workspace.NoProgress, Workspace.Token);

        var manifest = File.ReadAllText(Ws.ManifestFile("s1"));
        Assert.Contains("\"layout\"", manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("\"tablespaces\"", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADatabaseWithAFullTextIndexIsCapturedLogicallyAndSearchesAfterARestore()
    {
        var db = await NewDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TABLE page (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY page_body (body)) ENGINE=InnoDB;
            INSERT INTO page VALUES (1, 'summer sale on shoes'), (2, 'winter coats');
            """);
        await Ws.CaptureAsync("s1", Spec(db));
        // Imported table files would bring the rows back but not the FULLTEXT index's auxiliary tables.
        Assert.DoesNotContain("\"tablespaces\"", File.ReadAllText(Ws.ManifestFile("s1")), StringComparison.Ordinal);
        await ExecuteAsync(db, "DELETE FROM page");

        await Ws.RestoreAsync("s1", Spec(db));

        Assert.Equal("1|\n", await RowsAsync(db, "SELECT id FROM page WHERE MATCH(body) AGAINST ('shoes')"));
    }

    [Fact]
    public async Task ForeignKeysAndTheirActionsWorkAfterARestore()
    {
        var db = await NewDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
            CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL,
              CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE) ENGINE=InnoDB;
            INSERT INTO parent VALUES (1, 'a'), (2, 'b');
            INSERT INTO child VALUES (10, 1), (11, 2);
            """);
        var before = await FamilyAsync(db);
        await Ws.CaptureAsync("s1", Spec(db));
        await ExecuteAsync(db, "DELETE FROM parent WHERE id = 1; INSERT INTO parent VALUES (3, 'c');");

        await Ws.RestoreAsync("s1", Spec(db));

        Assert.Equal(before, await FamilyAsync(db));
        var refused = await Assert.ThrowsAsync<MySqlException>(() => ExecuteAsync(db, "INSERT INTO child VALUES (12, 99)"));
        Assert.Equal(MySqlErrorCode.NoReferencedRow2, refused.ErrorCode);
        await ExecuteAsync(db, "DELETE FROM parent WHERE id = 2");
        Assert.Equal("10|1|\n", await RowsAsync(db, "SELECT id, parent_id FROM child ORDER BY id"));
    }

    [Fact]
    public async Task CorruptTableFileIsRefusedBeforeTheTargetChangesAndNoStagingIsLeft()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        await Ws.CaptureAsync("s1", Spec(db));
        var victim = Ws.ObjectFiles().OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = File.ReadAllBytes(victim);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(victim, bytes);
        await ExecuteAsync(db, "DELETE FROM orders WHERE id <= 10");
        var state = await StateAsync(db);

        await Assert.ThrowsAsync<SnapshotCorruptException>(() => Ws.RestoreAsync("s1", Spec(db)));

        Assert.Equal(state, await StateAsync(db));
        Assert.Equal("", await LeftoversAsync(db));
    }

    [Theory]
    [InlineData("")]
    [InlineData("CREATE TRIGGER orders_round BEFORE INSERT ON orders FOR EACH ROW SET NEW.total = ROUND(NEW.total)")]
    [InlineData("CREATE PROCEDURE order_count() SELECT COUNT(*) FROM orders")]
    [InlineData("CREATE FUNCTION order_total(wanted INT) RETURNS DECIMAL(10,2) READS SQL DATA RETURN (SELECT total FROM orders WHERE id = wanted)")]
    [InlineData("CREATE EVENT purge_notes ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM orders WHERE id < 0")]
    public async Task ADatabaseWithOnlyOneKindOfProgramOrNoneGetsItBackAndNoneStoresNoProgramPart(string program)
    {
        var db = await NewDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2)) ENGINE=InnoDB; INSERT INTO orders VALUES (1, 9.50)");
        if (program != "")
        {
            await ExecuteAsync(db, program);
        }

        var before = await FullStateAsync(db);
        await Ws.CaptureAsync("s1", Spec(db));
        await ExecuteAsync(db, "DROP TABLE orders; DROP PROCEDURE IF EXISTS order_count; DROP FUNCTION IF EXISTS order_total; DROP EVENT IF EXISTS purge_notes");

        await Ws.RestoreAsync("s1", Spec(db));

        Assert.Equal(before, await FullStateAsync(db));
        var entry = Manifest.FromJson(File.ReadAllBytes(Ws.ManifestFile("s1")), "s1").Services.Single();
        var programs = MySqlTables.Decode(entry.Properties!["layout"])!.Single(p => p.Kind == MySqlPart.Programs);
        Assert.Equal(program == "", programs.Chunks == 0);
    }

    [Fact]
    public async Task RestoreIntoADatabaseThatDoesNotExistYetCreatesIt()
    {
        var db = await NewDatabaseAsync();
        await SeedAsync(db);
        await Ws.CaptureAsync("s1", Spec(db));
        var fresh = Track(TestServers.UniqueName("portal_new_"));

        await Ws.RestoreAsync("s1", Spec(fresh) with { Name = "db" });

        Assert.Equal(await StateAsync(db), await StateAsync(fresh));
    }

    private Task<string> FamilyAsync(string db) =>
        RowsAsync(db, "SELECT 'parent', id, name FROM parent UNION ALL SELECT 'child', id, parent_id FROM child ORDER BY 1, 2");

    private async Task<string> RowsAsync(string db, string sql)
    {
        await using var connection = await OpenAsync(db);
        return Db.Rows(connection, sql);
    }
}
