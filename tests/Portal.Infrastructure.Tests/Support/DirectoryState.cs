namespace Portal.Infrastructure.Tests.Support;

using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

/// <summary>What a test compares before and after: every entry of a folder (bytes, mode, mtime, link target) and every row of a SQLite database.</summary>
public static class DirectoryState
{
    public static SortedDictionary<string, string> Capture(string root)
    {
        var state = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(path);
            var relative = Path.GetRelativePath(root, path);
            string entry;
            if (info.LinkTarget is { } target)
            {
                entry = $"link -> {target}";
            }
            else if (Directory.Exists(path))
            {
                entry = $"dir {File.GetUnixFileMode(path)}";
            }
            else
            {
                entry = $"file {File.GetUnixFileMode(path)} {info.LastWriteTimeUtc:O} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))}";
            }

            state[relative] = entry;
        }

        return state;
    }

    public static SortedDictionary<string, string> CaptureDatabase(string path)
    {
        var state = new SortedDictionary<string, string>(StringComparer.Ordinal);
        // Read-write, as the shop would open it: after a kill mid-restore SQLite must roll back a hot journal before reading,
        // which a read-only connection refuses to do ("attempt to write a readonly database").
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadWrite;Pooling=False");
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\" ORDER BY rowid";
            using var reader = select.ExecuteReader();
            var row = 0;
            while (reader.Read())
            {
                var values = Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
                state[$"{table}#{row++:D6}"] = string.Join("|", values);
            }
        }

        return state;
    }
}
