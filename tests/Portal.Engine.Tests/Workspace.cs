namespace Portal.Engine.Tests;

using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

/// <summary>A real temp folder holding a store and an environment's data, removed after the test.</summary>
internal sealed class Workspace : IDisposable
{
    public Workspace(long chunkSize = 32L * 1024 * 1024)
    {
        Root = Path.Combine(Path.GetTempPath(), "portal-engine-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        StorePath = Path.Combine(Root, "store");
        Options = new EngineOptions { StorePath = StorePath, ChunkSizeBytes = chunkSize };
        Engine = new SnapshotEngine(Options);
    }

    public string Root { get; }

    public string StorePath { get; }

    public EngineOptions Options { get; }

    public SnapshotEngine Engine { get; }

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    public static IProgress<EngineProgress> NoProgress { get; } = new Progress<EngineProgress>();

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public Task<CaptureResult> CaptureAsync(string id, params ServiceSpec[] services) =>
        Engine.CaptureAsync(new CaptureRequest(id, "env-1", services), NoProgress, Token);

    public Task RestoreAsync(string id, params ServiceSpec[] targets) =>
        Engine.RestoreAsync(new RestoreRequest(id, targets), NoProgress, Token);

    public IEnumerable<string> ObjectFiles() =>
        Directory.EnumerateFiles(Path.Combine(StorePath, "objects"), "*", SearchOption.AllDirectories);

    public string ObjectFile(string hash) => Path.Combine(StorePath, "objects", hash[..2], hash[2..]);

    public string ManifestFile(string id) => Path.Combine(StorePath, "manifests", id + ".json");

    public void Dispose()
    {
        Engine.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>Everything a restore must reproduce, read with lstat so links are described rather than followed.</summary>
internal static class Tree
{
    public static IReadOnlyList<string> Describe(string root)
    {
        var lines = new List<string> { Line(".", root) };
        Walk(root, "", lines);
        return lines;
    }

    public static void SetOldMTime(string root)
    {
        // Files written seconds before a capture are re-read by the next one (racy mtime); real media is older.
        var old = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() * 1_000_000L;
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).OrderByDescending(p => p.Length))
        {
            Posix.SetMTime(path, old);
        }
    }

    private static void Walk(string folder, string prefix, List<string> lines)
    {
        foreach (var full in Directory.EnumerateFileSystemEntries(folder).Order(StringComparer.Ordinal))
        {
            var relative = prefix + Path.GetFileName(full);
            lines.Add(Line(relative, full));
            if (Posix.LStat(full).IsDirectory)
            {
                Walk(full, relative + "/", lines);
            }
        }
    }

    private static string Line(string relative, string full)
    {
        var stat = Posix.LStat(full);
        var what = stat switch
        {
            { IsSymlink: true } => "link -> " + new FileInfo(full).LinkTarget,
            { IsDirectory: true } => "dir",
            _ => "file " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full))),
        };
        var mode = stat.IsSymlink ? "" : Convert.ToString(stat.Permissions, 8);
        return $"{relative} {what} mode={mode} uid={stat.Uid} gid={stat.Gid} mtime={stat.MTimeNs}";
    }
}

internal static class Db
{
    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    public static void Execute(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static string Rows(string path, string table)
    {
        using var connection = Open(path);
        return Rows(connection, table);
    }

    public static string Rows(SqliteConnection connection, string table) => Rows((DbConnection)connection, $"SELECT * FROM {table} ORDER BY 1");

    /// <summary>Every row of a query as text, one line per row, so two databases compare with one Assert.Equal.</summary>
    public static string Rows(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var text = new StringBuilder();
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                text.Append(reader.GetValue(i)).Append('|');
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    public static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}

/// <summary>Opens connections to one server's databases by name, whatever the driver.</summary>
internal sealed class ServerDatabases(Func<string, DbConnection> connect)
{
    public async Task<DbConnection> OpenAsync(string database)
    {
        var connection = connect(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = await OpenAsync(database);
        await Db.ExecuteAsync(connection, sql);
    }
}
