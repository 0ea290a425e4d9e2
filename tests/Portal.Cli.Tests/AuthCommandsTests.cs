namespace Portal.Cli.Tests;

using Portal.Cli.Tests.Support;

[Collection(CliPortalCollection.Name)]
public sealed class AuthCommandsTests(CliPortal portal) : IDisposable
{
    private readonly TempFolder _home = new();

    [Fact]
    public async Task LoginChecksATokenReadFromStdinAndKeepsItForTheNextCommands()
    {
        var cli = new CliProcess(_home.Path);

        var login = await cli.RunAsync(_home.Path, portal.AliceToken + "\n", variables: null, "auth:login", "--url", portal.Portal.BaseUri.ToString());
        var projects = await cli.RunAsync(_home.Path, "project:list", "--format", "csv");

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigPath));
        Assert.Contains(portal.AliceToken, await File.ReadAllTextAsync(cli.ConfigPath, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(projects.ExitCode == 0, projects.ToString());
        Assert.Contains("demo-shop,Demo shop", projects.Output.Split('\n').Select(l => l.TrimEnd('\r')));
    }

    [Fact]
    public async Task LoginAtATerminalAsksForTheTokenWithoutEchoingIt()
    {
        var cli = new CliProcess(_home.Path);

        var login = await cli.RunAtTerminalAsync(_home.Path, portal.AliceToken + "\r", "(input hidden): ", "auth:login", "--url", portal.Portal.BaseUri.ToString());

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains($"API token for {portal.Portal.BaseUri} (input hidden): ", login.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(portal.AliceToken, login.Output, StringComparison.Ordinal);
        Assert.Contains("Signed in to ", login.Output, StringComparison.Ordinal);
        Assert.Contains(portal.AliceToken, await File.ReadAllTextAsync(cli.ConfigPath, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenTheServerRefusesIsNotKept()
    {
        var cli = new CliProcess(_home.Path);

        var login = await cli.RunAsync(_home.Path, "", variables: null, "auth:login", "--url", portal.Portal.BaseUri.ToString(), "--token", "portal_revoked-or-mistyped");

        Assert.Equal(ExitCodes.NotSignedIn, login.ExitCode);
        Assert.False(File.Exists(cli.ConfigPath));
    }

    [Fact]
    public async Task AfterLogoutTheToolIsNotSignedIn()
    {
        var cli = new CliProcess(_home.Path);
        var login = await cli.RunAsync(_home.Path, "", variables: null, "auth:login", "--url", portal.Portal.BaseUri.ToString(), "--token", portal.CarolToken);
        Assert.True(login.ExitCode == 0, login.ToString());

        var logout = await cli.RunAsync(_home.Path, "auth:logout");
        var projects = await cli.RunAsync(_home.Path, "project:list");

        Assert.Equal(0, logout.ExitCode);
        Assert.Equal(ExitCodes.NotSignedIn, projects.ExitCode);
        Assert.Contains("Not signed in", projects.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
