namespace Portal.Infrastructure.Tests.Persistence;

using Portal.Infrastructure.Tests.Support;

/// <summary>
/// The real Portal under the usual umask 0022 keeps its data folder, snapshot store and portal.db to its own user: another
/// local user reads none of it, and what an older Portal left readable is tightened at the next start, with a log line.
/// </summary>
public sealed class OwnerOnlyFilesTests
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly UnixFileMode Open755 = (UnixFileMode)Convert.ToInt32("755", 8);
    private static readonly UnixFileMode Open644 = (UnixFileMode)Convert.ToInt32("644", 8);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnotherLocalUserCannotReadAnyObjectManifestOrPortalDbAfterASnapshotUnderUmask0022()
    {
        using var shop = new DeclaredShop();
        var (portal, control) = Open(shop);
        await using var _ = portal;
        await portal.StartAsync(Cancel);

        await DeclaredShop.TakeSnapshotAsync(portal, "master");

        var files = PortalFiles(shop.DataPath);
        Assert.Contains(files, f => f.Contains("/manifests/", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("/objects/", StringComparison.Ordinal));
        Assert.Contains(Path.Combine(shop.DataPath, "portal.db"), files);
        Assert.Equal([control], await OtherLocalUser.ReadableAsync([control, .. files], Cancel));
        AssertOwnerOnly(shop.DataPath);
    }

    [Fact]
    public async Task FilesAnOlderPortalLeftReadableAreTightenedAtStartAndTheLogSaysWhat()
    {
        using var shop = new DeclaredShop();
        var (portal, _) = Open(shop);
        await using var __ = portal;
        await portal.StartAsync(Cancel);
        await DeclaredShop.TakeSnapshotAsync(portal, "master");
        Assert.Equal(0, await portal.StopAsync(Cancel));
        var store = Path.Combine(shop.DataPath, "snapshots");
        foreach (var folder in Directory.EnumerateDirectories(shop.DataPath, "*", SearchOption.AllDirectories).Append(shop.DataPath))
        {
            File.SetUnixFileMode(folder, Open755);
        }

        var files = PortalFiles(shop.DataPath);
        foreach (var file in files)
        {
            File.SetUnixFileMode(file, Open644);
        }

        await portal.StartAsync(Cancel);

        AssertOwnerOnly(shop.DataPath);
        var storeFiles = files.Count(f => f.StartsWith(store + "/", StringComparison.Ordinal));
        var storeFolders = Directory.EnumerateDirectories(store, "*", SearchOption.AllDirectories).Count();
        Assert.Contains(
            $"Made owner-only (folders 0700, files 0600), as other local users could read them: {shop.DataPath} (was 0755); "
            + $"{Path.Combine(shop.DataPath, "portal.db")} (was 0644); ",
            portal.Output,
            StringComparison.Ordinal);
        Assert.Contains($"{storeFolders:N0} folders and {storeFiles:N0} files in the snapshot store {store}", portal.Output, StringComparison.Ordinal);
    }

    /// <summary>Portal under umask 0022 over a data folder whose parent any user may enter, beside a file any user may read.</summary>
    private static (PortalProcess Portal, string Control) Open(DeclaredShop shop)
    {
        var parent = Path.GetDirectoryName(shop.DataPath)!;
        File.SetUnixFileMode(parent, Open755);
        var control = Path.Combine(parent, "readable-by-anyone.txt");
        File.WriteAllText(control, "a file the other user can read, proving the check can succeed");
        File.SetUnixFileMode(control, Open644);
        var portal = new PortalProcess(shop.DataPath) { Umask = "0022" };
        foreach (var (key, value) in DeclaredShop.Settings(shop.Project(shop.Environment("master"))))
        {
            portal.Settings[key] = value;
        }

        return (portal, control);
    }

    /// <summary>Every file Portal keeps: the store's objects, manifests and temp files, and portal.db with its -wal and -shm.</summary>
    private static List<string> PortalFiles(string dataPath) =>
    [
        .. Directory.EnumerateFiles(Path.Combine(dataPath, "snapshots"), "*", SearchOption.AllDirectories),
        .. Directory.EnumerateFiles(dataPath, "portal.db*"),
    ];

    private static void AssertOwnerOnly(string dataPath)
    {
        var folders = Directory.EnumerateDirectories(Path.Combine(dataPath, "snapshots"), "*", SearchOption.AllDirectories).Append(dataPath).Append(Path.Combine(dataPath, "snapshots"));
        Assert.All(folders, f => Assert.Equal(Folder, File.GetUnixFileMode(f)));
        Assert.All(PortalFiles(dataPath), f => Assert.Equal(File600, File.GetUnixFileMode(f)));
    }
}
