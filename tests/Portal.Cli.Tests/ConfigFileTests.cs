namespace Portal.Cli.Tests;

using Portal.Cli.Tests.Support;

public sealed class ConfigFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public void TheConfigFileIsReadableByItsOwnerAlone()
    {
        var config = new ConfigFile(_folder.Combine("config", "portal", "config.json"));

        config.Save(new CliConfig { Url = "https://portal.example.com/", Token = "portal_secret" });

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(config.Path)!));
        Assert.Equal(new CliConfig { Url = "https://portal.example.com/", Token = "portal_secret" }, config.Load());
    }

    [Fact]
    public void XdgConfigHomeDecidesWhereTheFileIs()
    {
        var console = new CliConsole
        {
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            In = TextReader.Null,
            Variable = name => name switch { "XDG_CONFIG_HOME" => "/srv/config", "HOME" => "/home/ops", _ => null },
            CurrentDirectory = _folder.Path,
        };

        Assert.Equal("/srv/config/portal/config.json", ConfigFile.For(console).Path);
    }

    [Fact]
    public void AFileThisToolDidNotWriteIsAnErrorThatSaysWhatToDo()
    {
        var config = new ConfigFile(_folder.Combine("config.json"));
        File.WriteAllText(config.Path, "url = https://portal.example.com");

        var error = Assert.Throws<CliException>(config.Load);

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("delete it and run portal auth:login", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
