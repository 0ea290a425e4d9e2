namespace Portal.Engine.Adapters.MySql;

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MySqlConnector;

/// <summary>
/// Where a MariaDB restore builds the new tables and keeps the old ones until the new ones are in.
/// Beside the target, when the user may create databases named portal_stage_* and portal_hold_*: new tables are built in
/// portal_stage_&lt;key&gt; and each commit moves the old ones into a fresh portal_hold_&lt;key&gt;_&lt;generation&gt;.
/// Inside the target otherwise (a user with rights on its own database only): new tables are built as
/// portal_new_&lt;hash of name&gt; and the old ones are moved aside as portal_old_&lt;hash of name&gt;_&lt;generation&gt;.
/// Either way one RENAME TABLE swaps them, and old tables are dropped only once a commit has put the new ones in.
/// </summary>
/// <remarks>
/// Leftovers of a killed run are told apart by what they can hold. The staging database and portal_new_* tables only
/// ever hold copies of the snapshot (which the store keeps), so the next prepare drops them. A holding database or
/// portal_old_* table may hold the only copy of the data the target had before a commit's switch, so nothing but a
/// later successful commit drops it (after its own switch has put the snapshot in); a prepare drops only empty holding
/// databases. Each commit holds its old tables under a generation of its own, so a rerun never has to merge its old
/// tables with those an earlier, killed commit moved aside.
/// </remarks>
internal sealed partial class MySqlStage
{
    private const string NewPrefix = "portal_new_";
    private const string OldPrefix = "portal_old_";

    private MySqlStage(string database, bool inTarget)
    {
        Database = database;
        InTarget = inTarget;
        Key = Hash(database);
    }

    /// <summary>The target database.</summary>
    public string Database { get; }

    /// <summary>True when new and old tables live inside the target under work names.</summary>
    public bool InTarget { get; }

    /// <summary>Where the new tables are built.</summary>
    public string StagingDatabase => InTarget ? Database : "portal_stage_" + Key;

    private string Key { get; }

    /// <summary>A staging database beside the target (the same name a killed restore of the same target used).</summary>
    public static MySqlStage Beside(string database) => new(database, inTarget: false);

    /// <summary>Work tables inside the target, for a user that may create no other database.</summary>
    public static MySqlStage Inside(string database) => new(database, inTarget: true);

    /// <summary>The staging database and a holding database of this target, to test the user's rights on such names.</summary>
    public static IEnumerable<string> BesideDatabases(string database)
    {
        var stage = Beside(database);
        return [stage.StagingDatabase, stage.HoldingDatabase("000000")];
    }

    /// <summary>A generation unique enough that two commits of one target never share a holding place.</summary>
    public static string NewGeneration() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    /// <summary>The name a table has while it is built.</summary>
    public string NewName(string table) => InTarget ? NewPrefix + Hash(table) : table;

    /// <summary>The database the old tables go to in the commit of generation.</summary>
    public string HoldingDatabase(string generation) => InTarget ? Database : $"portal_hold_{Key}_{generation}";

    /// <summary>The name an old table is held under in the commit of generation.</summary>
    public string HeldName(string table, string generation) => InTarget ? $"{OldPrefix}{Hash(table)}_{generation}" : table;

    /// <summary>True for a name this target's commits give their holding databases, and for nothing else.</summary>
    public bool IsHoldingDatabase(string name) =>
        !InTarget && HoldingDatabaseName().IsMatch(name) && name.StartsWith($"portal_hold_{Key}_", StringComparison.Ordinal);

    /// <summary>True for work tables inside the target (portal_new_*, portal_old_*): a switch moves them neither out nor in.</summary>
    public bool IsWorkTable(string table) => InTarget && WorkTable().IsMatch(table);

    /// <summary>Drops what earlier runs staged: only copies of a snapshot, never data the target had.</summary>
    public async Task DropStagedAsync(MySqlConnection connection, string dataDirectory)
    {
        if (InTarget)
        {
            await DropTablesAsync(connection, await TablesAsync(connection, Database, NewPrefix));
            return;
        }

        await DropDatabaseAsync(connection, StagingDatabase, dataDirectory);
        // A holding database a killed commit created but had not yet filled holds nothing.
        foreach (var holding in await HoldingDatabasesAsync(connection))
        {
            if ((await TablesAsync(connection, holding, "")).Count == 0)
            {
                await DropDatabaseAsync(connection, holding, dataDirectory);
            }
        }
    }

    /// <summary>After a commit put the new tables in: drops every old table this and any earlier, killed commit held.</summary>
    public async Task DropHeldAsync(MySqlConnection connection, string dataDirectory)
    {
        if (InTarget)
        {
            await DropTablesAsync(connection, await TablesAsync(connection, Database, OldPrefix));
            return;
        }

        foreach (var holding in await HoldingDatabasesAsync(connection))
        {
            await DropDatabaseAsync(connection, holding, dataDirectory);
        }
    }

    /// <summary>Where old tables of earlier commits still are, for messages: holding databases, or the target's portal_old_* tables.</summary>
    public async Task<string> DescribeHeldAsync(MySqlConnection connection)
    {
        if (InTarget)
        {
            return $"as portal_old_* tables in {Database}";
        }

        return "in the database " + string.Join(", ", await HoldingDatabasesAsync(connection));
    }

    /// <summary>Base tables (and sequences) of database whose names start with prefix, work tables included.</summary>
    public static Task<List<string>> TablesAsync(MySqlConnection connection, string database, string prefix) =>
        MySqlTables.ColumnAsync(
            connection,
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = @db AND TABLE_TYPE <> 'VIEW' AND LEFT(TABLE_NAME, @n) = @prefix ORDER BY TABLE_NAME",
            CancellationToken.None,
            ("@db", database),
            ("@n", prefix.Length),
            ("@prefix", prefix));

    /// <summary>Drops a database, first removing table files a killed run wrote but never imported (DROP DATABASE refuses a folder with them).</summary>
    public static async Task DropDatabaseAsync(MySqlConnection connection, string database, string dataDirectory)
    {
        var drop = $"SET SESSION foreign_key_checks = 0; DROP DATABASE IF EXISTS {Quote(database)}";
        try
        {
            await MySqlTables.ExecuteAsync(connection, drop, CancellationToken.None);
        }
        catch (MySqlException) when (Directory.Exists(Path.Combine(dataDirectory, database)))
        {
            RemoveTableFiles(Path.Combine(dataDirectory, database));
            await MySqlTables.ExecuteAsync(connection, drop, CancellationToken.None);
        }
    }

    private async Task DropTablesAsync(MySqlConnection connection, List<string> tables)
    {
        var work = tables.Where(t => WorkTable().IsMatch(t)).ToList();
        if (work.Count > 0)
        {
            await MySqlTables.ExecuteAsync(connection, $"SET SESSION foreign_key_checks = 0; DROP TABLE IF EXISTS {string.Join(", ", work.Select(t => $"{Quote(Database)}.{Quote(t)}"))}", CancellationToken.None);
        }
    }

    /// <summary>The table files of a staging folder: an imported .cfg the server never removes, an .ibd a killed run wrote before its import.</summary>
    private static void RemoveTableFiles(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder).Where(f => Path.GetExtension(f) is ".ibd" or ".cfg"))
        {
            File.Delete(file);
        }
    }

    /// <summary>The holding databases of this target's commits, the last one's and any a killed commit left.</summary>
    public Task<List<string>> HoldingDatabasesAsync(MySqlConnection connection) =>
        MySqlTables.ColumnAsync(
            connection,
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, @n) = @prefix ORDER BY SCHEMA_NAME",
            CancellationToken.None,
            ("@n", $"portal_hold_{Key}_".Length),
            ("@prefix", $"portal_hold_{Key}_"));

    private static string Hash(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16];

    private static string Quote(string identifier) => MySqlTables.Quote(identifier);

    [GeneratedRegex("^portal_hold_[0-9a-f]{16}_[0-9a-f]{6}$")]
    private static partial Regex HoldingDatabaseName();

    [GeneratedRegex("^portal_(new_[0-9a-f]{16}|old_[0-9a-f]{16}_[0-9a-f]{6})$")]
    private static partial Regex WorkTable();
}
