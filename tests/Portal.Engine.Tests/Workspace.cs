namespace Portal.Engine.Tests;

using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;
using Portal.Engine.Adapters.Mounts;

/// <summary>A real temp folder holding a store and an environment's data, removed after the test.</summary>
internal sealed class Workspace : IDisposable
{
    public Workspace(long chunkSize = 32L * 1024 * 1024)
    {
        Root = Path.Combine(Path.GetTempPath(), "portal-engine-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        StorePath = Path.Combine(Root, "store");
        Options = new EngineOptions { StorePath = StorePath, ChunkSizeBytes = chunkSize };
        Engine = TestEngines.Create(Options);
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

    public Task<RestoreResult> RestoreAsync(string id, params ServiceSpec[] targets) =>
        Engine.RestoreAsync(new RestoreRequest(id, targets, EnvironmentKey: "env-1"), NoProgress, Token);

    public IEnumerable<string> ObjectFiles() =>
        Directory.EnumerateFiles(Path.Combine(StorePath, "objects"), "*", SearchOption.AllDirectories);

    public string ObjectFile(string hash) => Path.Combine(StorePath, "objects", hash[..2], hash[2..]);

    public string ManifestFile(string id) => Path.Combine(StorePath, "manifests", id + ".json");

    public void Dispose()
    {
        Engine.Dispose();
        // Byte names and paths beyond PATH_MAX, which Directory.Delete cannot remove.
        MountSwap.RemoveTree(Root);
    }
}

/// <summary>
/// Everything a restore must reproduce, read by folder descriptor and byte name with lstat: any name, any depth, links
/// described rather than followed. Each line holds type, content hash, mode, owner, size, nanosecond mtime, link count,
/// which earlier entry shares the inode, and every extended attribute.
/// </summary>
internal static class Tree
{
    public static IReadOnlyList<string> Describe(string root)
    {
        var lines = new List<string>();
        var inodes = new Dictionary<(long, long), string>();
        Visit(root, (folder, name, path, stat) => lines.Add(Line(folder, name, path, stat, inodes)));
        return lines;
    }

    /// <summary>Calls visit for root (path ".") and every entry below it, parents before children, names in byte order.</summary>
    public static void Visit(string root, Action<SafeFileHandle, byte[], string, PosixStat> visit)
    {
        using var parent = Posix.OpenDirectory(Path.GetDirectoryName(root)!);
        var name = Encoding.UTF8.GetBytes(Path.GetFileName(root));
        visit(parent, name, ".", Posix.StatAt(parent, name));
        using var folder = Posix.OpenAt(parent, name, Posix.ReadOnly | Posix.DirectoryOnly);
        Visit(folder, "", visit);
    }

    public static void SetOldMTime(string root)
    {
        // Files written seconds before a capture are re-read by the next one (racy mtime); real media is older.
        var old = FileTime.FromNanoseconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() * 1_000_000L);
        Visit(root, (folder, name, path, _) =>
        {
            if (path != ".")
            {
                Posix.SetTimesAt(folder, name, old);
            }
        });
    }

    /// <summary>SHA-256 of the given (offset, length) ranges of a file, read back to back.</summary>
    public static string Hash(SafeFileHandle file, IEnumerable<(long Offset, long Length)> ranges)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var (offset, length) in ranges)
        {
            int n;
            for (long done = 0; done < length && (n = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - done)), offset + done)) > 0; done += n)
            {
                hash.AppendData(buffer, 0, n);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Visit(SafeFileHandle folder, string prefix, Action<SafeFileHandle, byte[], string, PosixStat> visit)
    {
        var names = Posix.ReadDirectory(folder);
        names.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        foreach (var name in names)
        {
            var path = prefix + FileNames.Display(name);
            var stat = Posix.StatAt(folder, name);
            visit(folder, name, path, stat);
            if (stat.IsDirectory)
            {
                using var child = Posix.OpenAt(folder, name, Posix.ReadOnly | Posix.DirectoryOnly);
                Visit(child, path + "/", visit);
            }
        }
    }

    private static string Line(SafeFileHandle folder, byte[] name, string path, PosixStat stat, Dictionary<(long, long), string> inodes)
    {
        string what;
        if (stat.IsSymlink)
        {
            what = "link -> " + FileNames.Display(Posix.ReadLinkAt(folder, name));
        }
        else if (stat.IsRegular)
        {
            // A file with holes is described by where its data lies and the hash of that data: holes must stay holes.
            using var file = Posix.OpenAt(folder, name, Posix.ReadOnly);
            var data = stat.AllocatedBytes < stat.Size ? Posix.DataRanges(file, stat.Size) : null;
            var holes = data is null ? "" : " data=" + string.Join(",", data.Select(r => $"{r.Offset}+{r.Length}"));
            what = $"file size={stat.Size}{holes} sha256={Hash(file, data ?? [(0, stat.Size)])}";
        }
        else
        {
            what = stat.IsDirectory ? "dir" : stat.IsFifo ? "fifo" : $"type=0x{stat.Mode & PosixStat.TypeMask:x}";
        }

        var sameInode = !stat.IsDirectory && !inodes.TryAdd((stat.Device, stat.Inode), path) ? " same-inode-as=" + inodes[(stat.Device, stat.Inode)] : "";
        var mode = stat.IsSymlink ? "" : Convert.ToString(stat.Permissions, 8);
        var xattrs = string.Join(",", Posix.ReadXattrs(folder, name, (_, _) => { })
            .Select(x => FileNames.Display(x.Name) + "=" + Convert.ToHexStringLower(x.Value)).Order(StringComparer.Ordinal));
        return $"{path} {what} mode={mode} uid={stat.Uid} gid={stat.Gid} mtime={stat.MTime} nlink={stat.Links}{sameInode} xattrs=[{xattrs}]";
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
