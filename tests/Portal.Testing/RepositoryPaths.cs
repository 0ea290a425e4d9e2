namespace Portal.Testing;

/// <summary>Where the repository is, found from the test's output folder, so tests read its files and run what it built.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Portal.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The folder holding Portal.sln.</summary>
    public static string Root => RootFolder.Value;

    /// <summary>A path below the repository root, e.g. <c>RepositoryPaths.Of("docker-compose.yml")</c>.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);
}
