namespace Portal.Cli;

using System.CommandLine;
using Portal.Contracts;

/// <summary>auth:login keeps a token (checked against the server first) in the config file; auth:logout forgets it.</summary>
internal static class AuthCommands
{
    public static IEnumerable<Command> Build(CliApp app)
    {
        var login = new Command("auth:login",
            "Sign in with an API token (create one on Portal's API tokens page, /tokens in the user menu): "
            + "asked for at a terminal without echo, else read from --token or one line of stdin; kept in the config file (0600)");
        app.SetAction(login, async (session, ct) =>
        {
            var url = session.ServerUrl();
            var token = session.TokenOption ?? ReadToken(session.Console, url);
            if (string.IsNullOrWhiteSpace(token))
            {
                throw new CliException(ExitCodes.Usage, "No token given: paste one from Portal's API tokens page, or pass --token.");
            }

            token = token.Trim();
            using (var client = new PortalClient(url, token))
            {
                var projects = await client.GetAsync<ProjectDto[]>("api/projects", ct);
                session.Console.Error.WriteLine($"Signed in to {url}: the token sees {projects.Length} project(s).");
            }

            session.Config.Save(session.Config.Load() with { Url = url.ToString(), Token = token });
            session.Console.Error.WriteLine($"Saved to {session.Config.Path}.");
            return ExitCodes.Success;
        });
        yield return login;

        var logout = new Command("auth:logout", "Forget the token kept in the config file (revoke it on Portal's API tokens page to end it everywhere)");
        app.SetAction(logout, (session, _) =>
        {
            var config = session.Config.Load();
            if (config.Token is null)
            {
                session.Console.Error.WriteLine("Not signed in: no token in the config file.");
                return Task.FromResult(ExitCodes.Success);
            }

            session.Config.Save(config with { Token = null });
            session.Console.Error.WriteLine($"Signed out: the token is no longer in {session.Config.Path}.");
            return Task.FromResult(ExitCodes.Success);
        });
        yield return logout;
    }

    private static string? ReadToken(CliConsole console, Uri url)
    {
        if (!console.InputIsTerminal)
        {
            return console.In.ReadLine();
        }

        return console.ReadSecret($"API token for {url} (input hidden): ");
    }
}
