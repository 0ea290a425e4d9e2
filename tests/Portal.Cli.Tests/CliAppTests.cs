namespace Portal.Cli.Tests;

using Portal.Cli.Tests.Support;

/// <summary>What the tool decides before it calls a server: arguments, where the project and environment come from, the token.</summary>
public sealed class CliAppTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private Dictionary<string, string> Variables => new() { ["HOME"] = _folder.Path, ["XDG_CONFIG_HOME"] = _folder.Combine("config") };

    [Fact]
    public async Task WithoutAProjectOptionOrSettingsFileTheToolSaysHowToNameOne()
    {
        var result = await InProcessCli.RunAsync(_folder.Path, Variables, "", false, "snapshot:list", "-e", "develop-branch");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("No project: pass -p PROJECT", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task WithoutATokenTheToolSaysItIsNotSignedIn()
    {
        _folder.WriteProjectSettings("id: demo-shop\n");
        _folder.GitRepository("develop-branch");

        var result = await InProcessCli.RunAsync(_folder.Path, Variables, "", false, "snapshot:list");

        Assert.Equal(ExitCodes.NotSignedIn, result.ExitCode);
        Assert.Contains("Not signed in: run portal auth:login", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownCommandOrFormatIsAUsageError()
    {
        var unknown = await InProcessCli.RunAsync(_folder.Path, Variables, "", false, "snapshot:take");
        var format = await InProcessCli.RunAsync(_folder.Path, Variables, "", false, "project:list", "--format", "yaml");

        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Contains("snapshot:take", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, format.ExitCode);
        Assert.Contains("yaml", format.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHelpListsTheSeedsCommandsAndEveryExitCode()
    {
        var result = await InProcessCli.RunAsync(_folder.Path, Variables, "", false, "--help");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        foreach (var command in new[] { "snapshot:create", "snapshot:list", "snapshot:restore", "snapshot:delete", "activity:list", "activity:log", "activity:cancel", "auth:login", "auth:logout", "project:list", "environment:list",
            "snapshot:pin", "snapshot:unpin", "snapshot:verify", "alert:list", "alert:dismiss", "alert:deliveries" })
        {
            Assert.Contains(command, result.Output, StringComparison.Ordinal);
        }

        Assert.Contains(ExitCodes.Summary, result.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthLogoutForgetsTheTokenButKeepsTheServer()
    {
        var config = new ConfigFile(Path.Combine(Variables["XDG_CONFIG_HOME"], "portal", "config.json"));
        config.Save(new CliConfig { Url = "https://portal.example.com/", Token = "portal_secret" });

        var result = await InProcessCli.RunAsync(_folder.Path, Variables, "", false, "auth:logout");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(new CliConfig { Url = "https://portal.example.com/" }, config.Load());
    }

    public void Dispose() => _folder.Dispose();
}
