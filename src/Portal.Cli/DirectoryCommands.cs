namespace Portal.Cli;

using System.CommandLine;
using Portal.Contracts;

/// <summary>project:list and environment:list: what the token can see.</summary>
internal static class DirectoryCommands
{
    public static IEnumerable<Command> Build(CliApp app)
    {
        var projectFormat = CliApp.FormatOption();
        var projects = new Command("project:list", "List the projects you have a role on") { projectFormat };
        app.SetAction(projects, async (session, ct) =>
        {
            var output = Output.ParseFormat(session.Parse.GetValue(projectFormat));
            using var client = session.Client();
            var list = await client.GetAsync<ProjectDto[]>("api/projects", ct);
            Output.Write(session.Console.Out, output, new Listing(["ID", "Title"], [.. list.Select(p => (IReadOnlyList<string>)[p.Id, p.Title])], list));
            return ExitCodes.Success;
        });
        yield return projects;

        var environmentFormat = CliApp.FormatOption();
        var environments = new Command("environment:list", "List a project's environments") { environmentFormat };
        app.SetAction(environments, async (session, ct) =>
        {
            var project = session.ProjectId();
            var output = Output.ParseFormat(session.Parse.GetValue(environmentFormat));
            using var client = session.Client();
            var list = await client.GetAsync<EnvironmentDto[]>($"{Session.ProjectPath(project)}/environments", ct);
            Output.Write(session.Console.Out, output, new Listing(
                ["ID", "Title", "Type", "Status", "Parent", "Snapshots"],
                [.. list.Select(e => (IReadOnlyList<string>)[e.Name, e.Title, e.Type, e.Status, e.Parent ?? "", e.CanSnapshot ? "yes" : e.CannotSnapshotReason ?? "no"])],
                list));
            return ExitCodes.Success;
        });
        yield return environments;
    }
}
