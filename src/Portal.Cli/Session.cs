namespace Portal.Cli;

using System.CommandLine;

/// <summary>The options every command takes: where Portal is, who is calling, and which project and environment.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Url { get; } = new("--url") { Description = "Portal's address, e.g. https://portal.example.com (else PORTAL_URL, else the config file, else http://localhost:5080)", Recursive = true };

    public Option<string?> Token { get; } = new("--token") { Description = "An API token, portal_… (else PORTAL_TOKEN, else the config file)", Recursive = true };

    public Option<string?> Project { get; } = new("--project", "-p") { Description = "The project id (else the id in .portal/local/project.yaml here or above)", Recursive = true };

    public Option<string?> Environment { get; } = new("--environment", "-e") { Description = "The environment (else the current git branch)", Recursive = true };

    public void AddTo(Command root)
    {
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(Project);
        root.Options.Add(Environment);
    }
}

/// <summary>One run of a command: resolves the server, token, project and environment from options, variables, files and git.</summary>
internal sealed class Session(CliConsole console, ParseResult parse, GlobalOptions options, TimeProvider time)
{
    public const string DefaultUrl = "http://localhost:5080";

    public CliConsole Console { get; } = console;

    public TimeProvider Time { get; } = time;

    public ParseResult Parse { get; } = parse;

    public ConfigFile Config { get; } = ConfigFile.For(console);

    /// <summary>The server's address: --url, PORTAL_URL, the config file, then the default.</summary>
    public Uri ServerUrl()
    {
        var text = Parse.GetValue(options.Url) ?? Variable("PORTAL_URL") ?? Config.Load().Url ?? DefaultUrl;
        return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new CliException(ExitCodes.Usage, $"'{text}' is not an http(s) address of Portal.");
    }

    /// <summary>The token given with --token, if any.</summary>
    public string? TokenOption => Parse.GetValue(options.Token);

    /// <summary>A client with the token from --token, PORTAL_TOKEN or the config file; not signed in when there is none.</summary>
    public PortalClient Client()
    {
        var token = TokenOption ?? Variable("PORTAL_TOKEN") ?? Config.Load().Token
            ?? throw new CliException(ExitCodes.NotSignedIn, "Not signed in: run portal auth:login, set PORTAL_TOKEN, or pass --token.");
        return new PortalClient(ServerUrl(), token.Trim());
    }

    public string ProjectId() =>
        Parse.GetValue(options.Project) ?? ProjectSettings.FindProjectId(Console.CurrentDirectory)
        ?? throw new CliException(ExitCodes.Usage,
            $"No project: pass -p PROJECT, or run inside a project folder (one with {ProjectSettings.RelativePath} holding 'id: <project>').");

    public string Environment() =>
        Parse.GetValue(options.Environment) ?? GitBranch.Find(Console.CurrentDirectory)
        ?? throw new CliException(ExitCodes.Usage, "No environment: pass -e ENVIRONMENT, or run inside a git work tree with the environment's branch checked out.");

    /// <summary>The API path of the environment: api/projects/{project}/environments/{environment}.</summary>
    public string EnvironmentPath(string projectId, string environment) =>
        $"{ProjectPath(projectId)}/environments/{Uri.EscapeDataString(environment)}";

    public static string ProjectPath(string projectId) => $"api/projects/{Uri.EscapeDataString(projectId)}";

    private string? Variable(string name) => Console.Variable(name) is { Length: > 0 } value ? value : null;
}
