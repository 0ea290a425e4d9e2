namespace Portal.Engine.Adapters.MySql;

using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using MySqlConnector;

/// <summary>
/// One stream of a table-wise MariaDB capture: its kind, table, how many of the service's chunks it owns, and its length;
/// a table file also carries the table's CREATE TABLE and the row format its pages use, which its import needs.
/// </summary>
internal sealed record MySqlPart(string Kind, string? Table, IReadOnlyList<string>? Columns, int Chunks, long Length, string? Definition = null, string? RowFormat = null)
{
    public const string Schema = "schema";
    public const string Rows = "rows";
    public const string Programs = "programs";
}

[JsonSerializable(typeof(List<MySqlPart>))]
internal sealed partial class MySqlPartJson : JsonSerializerContext;

/// <summary>
/// Rows of one table as LOAD DATA's default text format (tab-separated, '\' escapes, \N for NULL), written while a
/// consistent-snapshot transaction is open, and the schema rewrite that defers secondary indexes until after the load.
/// </summary>
internal static partial class MySqlTables
{
    /// <summary>Column types whose text form survives SELECT → TSV → LOAD DATA unchanged; anything else falls back to mariadb-dump.</summary>
    public static readonly string[] TextSafeTypes =
    [
        "tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "year",
        "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json",
        "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
        "date", "datetime", "timestamp", "time",
    ];

    public static string Encode(List<MySqlPart> parts) => JsonSerializer.Serialize(parts, MySqlPartJson.Default.ListMySqlPart);

    public static List<MySqlPart>? Decode(string? json) => json is null ? null : JsonSerializer.Deserialize(json, MySqlPartJson.Default.ListMySqlPart);

    /// <summary>Streams SELECT of the given columns into output as LOAD DATA text; returns the row count.</summary>
    public static async Task<long> WriteRowsAsync(MySqlConnection connection, string database, string table, IReadOnlyList<string> columns, Stream output, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", columns.Select(Quote))} FROM {Quote(database)}.{Quote(table)}";
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var writer = new TsvWriter(output, cancellationToken);
        try
        {
            return await WriteRowsAsync(reader, writer, cancellationToken);
        }
        finally
        {
            await writer.DisposeAsync();
        }
    }

    private static async Task<long> WriteRowsAsync(MySqlDataReader reader, TsvWriter writer, CancellationToken cancellationToken)
    {
        var decimals = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetFieldType(i) == typeof(decimal)).ToArray();
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (i > 0)
                {
                    writer.Raw((byte)'\t');
                }

                if (reader.IsDBNull(i))
                {
                    writer.Raw((byte)'\\');
                    writer.Raw((byte)'N');
                }
                else if (decimals[i])
                {
                    writer.Text(reader.GetMySqlDecimal(i).ToString());
                }
                else
                {
                    writer.Value(reader.GetValue(i));
                }
            }

            writer.Raw((byte)'\n');
            rows++;
        }

        await writer.CompleteAsync();
        return rows;
    }

    /// <summary>
    /// Removes KEY/UNIQUE KEY lines from CREATE TABLE statements (tables without foreign keys, full-text or spatial indexes),
    /// returning the rewritten schema and, per table, the ALTER TABLE that adds them back once the rows are in.
    /// </summary>
    public static (string Schema, Dictionary<string, string> AddIndexes) DeferIndexes(string schema)
    {
        var deferred = new Dictionary<string, string>(StringComparer.Ordinal);
        var rewritten = CreateTable().Replace(schema, match =>
        {
            var table = match.Groups["table"].Value.Replace("``", "`", StringComparison.Ordinal);
            var lines = match.Groups["body"].Value.Split('\n');
            if (lines.Any(l => l.Contains("FOREIGN KEY", StringComparison.Ordinal) || FullTextOrSpatial().IsMatch(l)))
            {
                return match.Value;
            }

            var keys = lines.Where(l => IndexLine().IsMatch(l)).Select(l => l.Trim().TrimEnd(',')).ToList();
            if (keys.Count == 0)
            {
                return match.Value;
            }

            var kept = lines.Where(l => !IndexLine().IsMatch(l)).ToList();
            // The last column or key line before ") ENGINE" must not keep a trailing comma.
            var last = kept.FindLastIndex(l => l.Trim().Length > 0);
            kept[last] = kept[last].TrimEnd().TrimEnd(',');
            deferred[table] = $"ALTER TABLE {Quote(table)} " + string.Join(", ", keys.Select(k => "ADD " + k));
            return match.Groups["head"].Value + string.Join('\n', kept) + "\n" + match.Groups["tail"].Value;
        });
        return (rewritten, deferred);
    }

    /// <summary>Runs statements with no timeout: a restore's DDL on a large table can take minutes.</summary>
    public static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The first column of every row a query returns; parameters are (name, value) pairs.</summary>
    public static async Task<List<string>> ColumnAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    public static string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";

    [GeneratedRegex(@"(?<head>CREATE TABLE `(?<table>(?:[^`]|``)+)` \(\n)(?<body>.*?)\n(?<tail>\) ENGINE=)", RegexOptions.Singleline)]
    private static partial Regex CreateTable();

    [GeneratedRegex(@"^\s+(UNIQUE )?KEY `")]
    private static partial Regex IndexLine();

    [GeneratedRegex(@"^\s+(FULLTEXT|SPATIAL) ")]
    private static partial Regex FullTextOrSpatial();

    /// <summary>Buffers LOAD DATA text: escapes '\', tab, newline and NUL in values; NULL is written by the caller as \N.</summary>
    /// <remarks>
    /// Full 1 MiB buffers go to a second thread that hashes and compresses them into the store while this one keeps
    /// reading and formatting rows, as `mariadb-dump | zstd` overlaps its two processes.
    /// </remarks>
    private sealed class TsvWriter : IAsyncDisposable
    {
        private const int BufferSize = 1 << 20;
        private static readonly SearchValues<byte> Special = SearchValues.Create("\\\t\n\0"u8);
        private readonly Channel<(byte[] Buffer, int Length)> _full = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        private readonly Task _consumer;
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        private int _length;

        public TsvWriter(Stream output, CancellationToken cancellationToken)
        {
            _consumer = Task.Run(
                async () =>
                {
                    try
                    {
                        await foreach (var (buffer, length) in _full.Reader.ReadAllAsync(cancellationToken))
                        {
                            output.Write(buffer, 0, length);
                            ArrayPool<byte>.Shared.Return(buffer);
                        }
                    }
                    catch (Exception ex)
                    {
                        // The producer's next hand-over then throws instead of waiting for a reader that is gone.
                        _full.Writer.TryComplete(ex);
                        throw;
                    }
                },
                cancellationToken);
        }

        public void Raw(byte b)
        {
            if (_length == _buffer.Length)
            {
                Flush();
            }

            _buffer[_length++] = b;
        }

        public void Flush()
        {
            if (_length == 0)
            {
                return;
            }

            var full = (_buffer, _length);
            if (!_full.Writer.TryWrite(full))
            {
                _full.Writer.WriteAsync(full).AsTask().GetAwaiter().GetResult();
            }

            _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            _length = 0;
        }

        /// <summary>Hands over the last buffer and waits until everything reached the output.</summary>
        public async Task CompleteAsync()
        {
            Flush();
            _full.Writer.TryComplete();
            await _consumer;
        }

        /// <summary>After a failure: stops the consumer so nothing writes to the output once the caller disposes it.</summary>
        public async ValueTask DisposeAsync()
        {
            _full.Writer.TryComplete();
            try
            {
                await _consumer;
            }
            catch (Exception) when (!_consumer.IsCompletedSuccessfully)
            {
                // The producer's own exception is the one to report; CompleteAsync already surfaced a consumer failure.
            }
        }

        public void Text(string text)
        {
            var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
            var n = Encoding.UTF8.GetBytes(text, bytes);
            Escaped(bytes.AsSpan(0, n));
            ArrayPool<byte>.Shared.Return(bytes);
        }

        public void Value(object value)
        {
            switch (value)
            {
                case string s:
                    Text(s);
                    break;
                case byte[] bytes:
                    Escaped(bytes);
                    break;
                case MySqlDateTime d:
                    Text(string.Create(CultureInfo.InvariantCulture, $"{d.Year:D4}-{d.Month:D2}-{d.Day:D2} {d.Hour:D2}:{d.Minute:D2}:{d.Second:D2}.{d.Microsecond:D6}"));
                    break;
                case DateTime d:
                    Text(d.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                    break;
                case TimeSpan t:
                    var sign = t < TimeSpan.Zero ? "-" : "";
                    t = t.Duration();
                    Text(string.Create(CultureInfo.InvariantCulture, $"{sign}{(long)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}.{t.Ticks % TimeSpan.TicksPerSecond / 10:D6}"));
                    break;
                case double d:
                    Text(d.ToString("R", CultureInfo.InvariantCulture));
                    break;
                case float f:
                    Text(f.ToString("R", CultureInfo.InvariantCulture));
                    break;
                case IUtf8SpanFormattable number:
                    Span<byte> digits = stackalloc byte[64];
                    if (!number.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture))
                    {
                        throw new SnapshotEngineException($"Cannot write the value {value} as text.");
                    }

                    Escaped(digits[..written]);
                    break;
                default:
                    throw new SnapshotEngineException($"Cannot write a {value.GetType().Name} column as text.");
            }
        }

        private void Escaped(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                // Most values hold no byte that needs escaping: copy runs in bulk, escape one byte at a time.
                var plain = bytes.IndexOfAny(Special);
                var run = plain < 0 ? bytes : bytes[..plain];
                while (!run.IsEmpty)
                {
                    if (_length == _buffer.Length)
                    {
                        Flush();
                    }

                    var n = Math.Min(run.Length, _buffer.Length - _length);
                    run[..n].CopyTo(_buffer.AsSpan(_length));
                    _length += n;
                    run = run[n..];
                }

                if (plain < 0)
                {
                    return;
                }

                Raw((byte)'\\');
                Raw(bytes[plain] switch
                {
                    (byte)'\t' => (byte)'t',
                    (byte)'\n' => (byte)'n',
                    0 => (byte)'0',
                    var b => b,
                });
                bytes = bytes[(plain + 1)..];
            }
        }
    }
}
