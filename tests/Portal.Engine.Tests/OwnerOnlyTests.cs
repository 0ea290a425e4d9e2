namespace Portal.Engine.Tests;

using Microsoft.Data.Sqlite;
using Portal.Contracts;

/// <summary>The store keeps every folder 0700 and file 0600 whatever the files it holds; a restore gives each file its own mode back.</summary>
public sealed class OwnerOnlyTests : IDisposable
{
    private static readonly UnixFileMode Mode600 = Mode("600");
    private static readonly UnixFileMode Mode700 = Mode("700");

    private readonly Workspace _ws = new(chunkSize: 64 * 1024);

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task ASnapshotStoresEveryObjectAndManifestOwnerOnlyAndARestoreGivesEachFileItsOwnMode()
    {
        var etc = _ws.PathOf("env/app/etc");
        Directory.CreateDirectory(Path.Combine(etc, "bin"));
        Write(Path.Combine(etc, "config.php"), "public", "644");
        Write(Path.Combine(etc, "env.php"), "secret", "600");
        Write(Path.Combine(etc, "bin", "run.sh"), "#!/bin/sh\n", "755");
        File.SetUnixFileMode(Path.Combine(etc, "bin"), Mode("755"));
        var database = _ws.PathOf("env/shop.db");
        using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE t(x); INSERT INTO t VALUES ('row');";
            create.ExecuteNonQuery();
        }

        await _ws.CaptureAsync("s1", new ServiceSpec("etc", ServiceKind.Mount, etc), new ServiceSpec("db", ServiceKind.Sqlite, database));

        Assert.All(Directory.EnumerateDirectories(_ws.StorePath, "*", SearchOption.AllDirectories).Append(_ws.StorePath),
            folder => Assert.Equal(Mode700, File.GetUnixFileMode(folder)));
        Assert.NotEmpty(_ws.ObjectFiles());
        Assert.All(_ws.ObjectFiles().Append(_ws.ManifestFile("s1")), file => Assert.Equal(Mode600, File.GetUnixFileMode(file)));

        var copy = _ws.PathOf("other-env/app/etc");
        await _ws.RestoreAsync("s1", new ServiceSpec("etc", ServiceKind.Mount, copy));

        Assert.Equal(Mode("644"), File.GetUnixFileMode(Path.Combine(copy, "config.php")));
        Assert.Equal(Mode("600"), File.GetUnixFileMode(Path.Combine(copy, "env.php")));
        Assert.Equal(Mode("755"), File.GetUnixFileMode(Path.Combine(copy, "bin", "run.sh")));
        Assert.Equal(Mode("755"), File.GetUnixFileMode(Path.Combine(copy, "bin")));
    }

    [Fact]
    public void TightenTakesGroupAndOtherBitsOffAFolderTreeLeavesSymlinkTargetsAloneAndSaysWhatChanged()
    {
        var root = _ws.PathOf("old-store");
        Directory.CreateDirectory(Path.Combine(root, "objects", "ab"));
        Write(Path.Combine(root, "objects", "ab", "cdef"), "object", "644");
        Write(Path.Combine(root, "objects", "ab", "kept"), "already private", "400");
        var outside = _ws.PathOf("outside.txt");
        Write(outside, "not the store's", "644");
        File.CreateSymbolicLink(Path.Combine(root, "link"), outside);
        foreach (var folder in new[] { root, Path.Combine(root, "objects"), Path.Combine(root, "objects", "ab") })
        {
            File.SetUnixFileMode(folder, Mode("755"));
        }

        var result = OwnerOnly.Tighten(root, recursive: true);

        Assert.Equal([$"{root} (was 0755)"], result.Named);
        Assert.Equal((2, 1), (result.Folders, result.Files));
        Assert.Empty(result.Failures);
        Assert.Equal(Mode700, File.GetUnixFileMode(Path.Combine(root, "objects", "ab")));
        Assert.Equal(Mode600, File.GetUnixFileMode(Path.Combine(root, "objects", "ab", "cdef")));
        Assert.Equal(Mode("400"), File.GetUnixFileMode(Path.Combine(root, "objects", "ab", "kept")));
        Assert.Equal(Mode("644"), File.GetUnixFileMode(outside));
        Assert.False(OwnerOnly.Tighten(root, recursive: true).Changed);
    }

    [Fact]
    public void CreateFolderMakesEveryMissingParentOwnerOnly()
    {
        var deep = _ws.PathOf("a/b/c");

        OwnerOnly.CreateFolder(deep);

        Assert.Equal(Mode700, File.GetUnixFileMode(_ws.PathOf("a")));
        Assert.Equal(Mode700, File.GetUnixFileMode(_ws.PathOf("a/b")));
        Assert.Equal(Mode700, File.GetUnixFileMode(deep));
    }

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private static void Write(string path, string content, string mode)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, Mode(mode));
    }
}
