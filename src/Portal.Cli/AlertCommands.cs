namespace Portal.Cli;

using System.CommandLine;
using System.Globalization;
using Portal.Contracts;

/// <summary>
/// alert:list and alert:dismiss: an environment's open alerts, as its banner in Portal shows them; alert:deliveries: what the
/// project's webhooks and e-mail recipients were sent, as its overview shows project admins.
/// </summary>
internal static class AlertCommands
{
    public static IEnumerable<Command> Build(CliApp app)
    {
        var format = CliApp.FormatOption();
        var list = new Command("alert:list", "List an environment's open alerts, newest first: failed or cancelled activities, overruns, missed scheduled snapshots") { format };
        app.SetAction(list, async (session, ct) =>
        {
            var (project, environment) = (session.ProjectId(), session.Environment());
            var output = Output.ParseFormat(session.Parse.GetValue(format));
            using var client = session.Client();
            var alerts = await client.GetAsync<AlertDto[]>(Path(session, project, environment), ct);
            if (output == OutputFormat.Table)
            {
                await SnapshotCommands.WriteHeadingAsync(session, client, "Open alerts", project, environment, ct);
            }

            Output.Write(session.Console.Out, output, new Listing(
                ["Raised", "Alert ID", "Event", "Message"],
                [.. alerts.Select(a => (IReadOnlyList<string>)[Output.Time(a.RaisedAt), a.Id, a.Event, a.Message])],
                alerts));
            return ExitCodes.Success;
        });
        yield return list;

        var id = new Argument<string>("id") { Description = "The alert ID (see alert:list)" };
        var dismiss = new Command("alert:dismiss", "Dismiss an open alert (environment admins): it leaves the environment's banner") { id };
        app.SetAction(dismiss, async (session, ct) =>
        {
            var (project, environment) = (session.ProjectId(), session.Environment());
            var alertId = session.Parse.GetValue(id)!;
            using var client = session.Client();
            var open = await client.DeleteAsync<AlertDto[]>($"{Path(session, project, environment)}/{Uri.EscapeDataString(alertId)}", ct);
            session.Console.Out.WriteLine($"Dismissed alert {alertId}; {open.Length} still open on {environment}.");
            return ExitCodes.Success;
        });
        yield return dismiss;

        var deliveriesFormat = CliApp.FormatOption();
        var deliveries = new Command("alert:deliveries", "List what the project's webhooks and e-mail recipients were sent, newest first, and how each try went (project admins)")
        {
            deliveriesFormat,
        };
        app.SetAction(deliveries, async (session, ct) =>
        {
            var project = session.ProjectId();
            var output = Output.ParseFormat(session.Parse.GetValue(deliveriesFormat));
            using var client = session.Client();
            var list = await client.GetAsync<AlertDeliveryDto[]>($"{Session.ProjectPath(project)}/alert-deliveries", ct);
            Output.Write(session.Console.Out, output, new Listing(
                ["Created", "Event", "Channel", "Target", "Status", "Attempts", "Last error"],
                [.. list.Select(d => (IReadOnlyList<string>)[
                    Output.Time(d.CreatedAt), d.Event, d.Channel, d.Target, d.Status, d.Attempts.ToString(CultureInfo.InvariantCulture),
                    d.LastError ?? (d.LastStatusCode is { } status ? $"HTTP {status}" : "")])],
                list));
            return ExitCodes.Success;
        });
        yield return deliveries;
    }

    private static string Path(Session session, string project, string environment) => $"{session.EnvironmentPath(project, environment)}/alerts";
}
