namespace Portal.Engine.Adapters.MySql;

using System.Text;
using System.Text.RegularExpressions;

/// <summary>A FOREIGN KEY clause taken out of a staged table's definition, added back once its table has its final name.</summary>
internal sealed record MySqlForeignKey(string Table, string Name, string Clause);

/// <summary>
/// Splits mariadb-dump output as it streams: what builds the tables (structures and rows) goes to one stream, what must be
/// created once the tables are in the target (triggers, views, events, routines) to the other; the header's session
/// settings go to both. With a rename, the tables part is rewritten to build each table under a work name inside the
/// target, its FOREIGN KEY clauses held back (their names are unique per database, and the old tables still use them);
/// any statement in it that is not one mariadb-dump writes for a table is refused, so nothing else can reach the target.
/// </summary>
internal sealed partial class MySqlDumpSplitter(Stream tables, Stream programs, Func<string, string>? rename = null) : LineFilter
{
    private static readonly string[] TableTitles = ["-- Table structure for table ", "-- Dumping data for table "];

    private static readonly string[] ProgramTitles =
    [
        "-- Temporary table structure for view ", "-- Temporary view structure for view ", "-- Final view structure for view ",
        "-- Dumping events for database ", "-- Dumping routines for database ",
    ];

    private readonly StringBuilder _create = new();
    private readonly List<string> _tables = [];
    private readonly List<MySqlForeignKey> _foreignKeys = [];
    private Section _section = Section.Header;
    private bool _closed;

    private enum Section
    {
        Header,
        Table,
        Programs,
    }

    /// <summary>Tables the dump creates, by their own names.</summary>
    public IReadOnlyList<string> Tables => _tables;

    /// <summary>With a rename: the FOREIGN KEY clauses held back, by their table's own name.</summary>
    public IReadOnlyList<MySqlForeignKey> ForeignKeys => _foreignKeys;

    /// <summary>The FOREIGN KEY clauses of a CREATE TABLE statement, each with its constraint name.</summary>
    public static List<(string Name, string Clause)> ForeignKeyClauses(string createTable) =>
        [.. createTable.Split('\n')
            .Select(line => (Line: line, Key: ForeignKeyLine().Match(line)))
            .Where(l => l.Key.Success)
            .Select(l => (Unquote(l.Key.Groups["name"].Value), l.Line.Trim().TrimEnd(',')))];

    protected override void FlushOutput()
    {
        tables.Flush();
        programs.Flush();
    }

    /// <summary>After the whole dump was written: passes on its last line and checks it did not end inside a statement.</summary>
    public void Complete()
    {
        Flush();
        if (_create.Length > 0)
        {
            throw new SnapshotCorruptException("The snapshot's MySQL dump ends inside a CREATE TABLE statement.");
        }
    }

    protected override void WriteLine(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("-- "u8))
        {
            var title = Encoding.UTF8.GetString(line);
            if (TableTitles.Any(t => title.StartsWith(t, StringComparison.Ordinal)))
            {
                _section = Section.Table;
            }
            else if (ProgramTitles.Any(t => title.StartsWith(t, StringComparison.Ordinal)))
            {
                _section = Section.Programs;
            }
        }
        else if (_section == Section.Table && (line.StartsWith("/*!50003 "u8) || line.StartsWith("DELIMITER"u8)))
        {
            // A table's triggers follow its rows; they belong with the programs until the next table's title.
            _section = Section.Programs;
        }

        switch (_section)
        {
            case Section.Header:
                WriteTableLine(line);
                programs.Write(line);
                break;
            case Section.Table:
                WriteTableLine(line);
                break;
            default:
                programs.Write(line);
                break;
        }
    }

    private void WriteTableLine(ReadOnlySpan<byte> line)
    {
        if (_create.Length > 0 || line.StartsWith("CREATE TABLE "u8))
        {
            _create.Append(Encoding.UTF8.GetString(line));
            // The column list closes on a line of its own; partition clauses may follow it up to the statement's ';'.
            _closed |= line.StartsWith(")"u8);
            if (_closed && line.TrimEnd("\r\n"u8).EndsWith(";"u8))
            {
                var statement = _create.ToString();
                _create.Clear();
                _closed = false;
                tables.Write(Encoding.UTF8.GetBytes(CreateTable(statement)));
            }

            return;
        }

        if (rename is null)
        {
            tables.Write(line);
            return;
        }

        // Only the identifier is decoded: an INSERT line can be megabytes long.
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, 512)]);
        if (TableStatement().Match(text) is { Success: true } match)
        {
            var name = Unquote(match.Groups["name"].Value);
            tables.Write(Encoding.UTF8.GetBytes(match.Groups["head"].Value + MySqlTables.Quote(rename(name))));
            tables.Write(line[Encoding.UTF8.GetByteCount(match.Value)..]);
        }
        else if (IsSessionOrComment(line))
        {
            tables.Write(line);
        }
        else
        {
            throw new SnapshotEngineException($"The snapshot's MySQL dump holds a statement Portal cannot build inside the target database: {text.Trim()}");
        }
    }

    /// <summary>Records the table; with a rename, gives it its work name and holds its FOREIGN KEY clauses back.</summary>
    private string CreateTable(string statement)
    {
        var match = CreateTableHead().Match(statement);
        if (!match.Success)
        {
            throw new SnapshotEngineException($"The snapshot's MySQL dump holds a CREATE TABLE statement Portal cannot read: {statement[..Math.Min(200, statement.Length)]}");
        }

        var table = Unquote(match.Groups["name"].Value);
        _tables.Add(table);
        if (rename is null)
        {
            return statement;
        }

        var lines = statement[match.Length..].Split('\n').ToList();
        var close = lines.FindIndex(l => l.StartsWith(')'));
        var kept = new List<string>();
        for (var i = 0; i < close; i++)
        {
            if (ForeignKeyLine().Match(lines[i]) is { Success: true } key)
            {
                _foreignKeys.Add(new MySqlForeignKey(table, Unquote(key.Groups["name"].Value), lines[i].Trim().TrimEnd(',')));
            }
            else
            {
                kept.Add(lines[i]);
            }
        }

        // The last line before the closing parenthesis must not keep a trailing comma.
        kept[^1] = kept[^1].TrimEnd().TrimEnd(',');
        return $"CREATE TABLE {MySqlTables.Quote(rename(table))} (\n" + string.Join('\n', kept.Concat(lines.Skip(close)));
    }

    private static string Unquote(string quoted) => quoted.Replace("``", "`", StringComparison.Ordinal);

    private static bool IsSessionOrComment(ReadOnlySpan<byte> line) =>
        line.TrimEnd("\r\n"u8).IsEmpty || line.StartsWith("--"u8) || line.StartsWith("/*M!"u8) || line.StartsWith("SET "u8)
        || line.StartsWith("UNLOCK TABLES;"u8) || line.StartsWith("("u8) || VersionedSet().IsMatch(Encoding.UTF8.GetString(line[..Math.Min(line.Length, 16)]));

    [GeneratedRegex(@"^/\*![0-9]{5} SET ")]
    private static partial Regex VersionedSet();

    [GeneratedRegex(@"^(?<head>DROP TABLE IF EXISTS |LOCK TABLES |/\*!40000 ALTER TABLE |INSERT INTO )`(?<name>(?:[^`]|``)+)`")]
    private static partial Regex TableStatement();

    [GeneratedRegex(@"^CREATE TABLE `(?<name>(?:[^`]|``)+)` \(\n")]
    private static partial Regex CreateTableHead();

    [GeneratedRegex(@"^\s+CONSTRAINT `(?<name>(?:[^`]|``)+)` FOREIGN KEY ")]
    private static partial Regex ForeignKeyLine();
}
