namespace Portal.Engine.Tests;

public sealed class PosixTests
{
    [Fact]
    public void AFolderSyncThatCannotReachItsFolderIsReportedNotPassedOver()
    {
        var gone = Path.Combine(Path.GetTempPath(), "portal-gone-" + Guid.NewGuid().ToString("N"));

        var failure = Assert.Throws<FileNotFoundException>(() => Posix.FsyncDirectory(gone));

        Assert.Contains(gone, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderSyncOfAnExistingFolderSucceeds()
    {
        var folder = Directory.CreateTempSubdirectory("portal-sync-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "entry"), "x");
            Posix.FsyncDirectory(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
