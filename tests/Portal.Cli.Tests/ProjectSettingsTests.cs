namespace Portal.Cli.Tests;

using Portal.Cli.Tests.Support;

public sealed class ProjectSettingsTests
{
    [Fact]
    public void TheProjectComesFromTheNearestSettingsFileAboveTheCurrentFolder()
    {
        using var folder = new TempFolder();
        folder.WriteProjectSettings("# the seed's file\nid: demo-shop\nhost: portal.example.com\n");
        var deep = Directory.CreateDirectory(folder.Combine("pub", "media", "catalog")).FullName;

        Assert.Equal("demo-shop", ProjectSettings.FindProjectId(deep));
    }

    [Fact]
    public void AQuotedIdWithATrailingCommentIsReadAsTheIdAlone()
    {
        using var folder = new TempFolder();
        folder.WriteProjectSettings("id: 'shop-2' # production shop\n");

        Assert.Equal("shop-2", ProjectSettings.FindProjectId(folder.Path));
    }

    [Fact]
    public void ANestedProjectFolderWinsOverTheOneAboveIt()
    {
        using var folder = new TempFolder();
        folder.WriteProjectSettings("id: outer\n");
        var inner = Directory.CreateDirectory(folder.Combine("inner")).FullName;
        folder.WriteProjectSettings("id: inner\n", inner);

        Assert.Equal("inner", ProjectSettings.FindProjectId(inner));
    }

    [Fact]
    public void ASettingsFileWithoutAnIdIsAnErrorNamingTheFile()
    {
        using var folder = new TempFolder();
        folder.WriteProjectSettings("host: portal.example.com\n");

        var error = Assert.Throws<CliException>(() => ProjectSettings.FindProjectId(folder.Path));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("project.yaml has no 'id: <project>' line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoSettingsFileMeansNoProject()
    {
        using var folder = new TempFolder();

        Assert.Null(ProjectSettings.FindProjectId(folder.Path));
    }
}
