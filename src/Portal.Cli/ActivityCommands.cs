namespace Portal.Cli;

using System.CommandLine;
using Portal.Contracts;

/// <summary>activity:list, activity:log and activity:cancel: the environment messages, one activity's log, and stopping one.</summary>
internal static class ActivityCommands
{
    public static IEnumerable<Command> Build(CliApp app)
    {
        yield return List(app);
        yield return Log(app);
        yield return Cancel(app);
    }

    private static Command List(CliApp app)
    {
        var type = new Option<string?>("--type", "-t") { Description = "Only this type, e.g. snapshot, restore, push (several comma-separated)" };
        var limit = new Option<int>("--limit") { Description = "How many, newest first (1-100)", DefaultValueFactory = _ => 10 };
        var format = CliApp.FormatOption();
        var command = new Command("activity:list", "List an environment's activities, newest first") { type, limit, format };
        app.SetAction(command, async (session, ct) =>
        {
            var (project, environment) = (session.ProjectId(), session.Environment());
            var output = Output.ParseFormat(session.Parse.GetValue(format));
            var query = $"?limit={session.Parse.GetValue(limit)}" + (session.Parse.GetValue(type) is { } t ? $"&type={Uri.EscapeDataString(t)}" : "");
            using var client = session.Client();
            var page = await client.GetAsync<ActivityPageDto>($"{session.EnvironmentPath(project, environment)}/activities{query}", ct);
            Output.Write(session.Console.Out, output, new Listing(
                ["ID", "Created", "Description", "Progress", "State", "Result"],
                [.. page.Items.Select(a => (IReadOnlyList<string>)[a.Id, Output.Time(a.CreatedAt), a.Text, $"{a.CompletionPercent}%", a.State, a.Result ?? ""])],
                page.Items));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Log(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The activity ID (see activity:list)" };
        var format = CliApp.FormatOption();
        format.Description = "plain (default: the log's lines, followed until the activity ends) or json (the activity with its log, as it is now)";
        format.DefaultValueFactory = _ => "plain";
        var command = new Command("activity:log", "Print an activity's log; while it runs, follow it until it ends") { id, format };
        app.SetAction(command, async (session, ct) =>
        {
            var project = session.ProjectId();
            var output = Output.ParseFormat(session.Parse.GetValue(format));
            using var client = session.Client();
            var activity = await client.GetAsync<ActivityDto>($"{Session.ProjectPath(project)}/activities/{Uri.EscapeDataString(session.Parse.GetValue(id)!)}", ct);
            if (output != OutputFormat.Plain && output != OutputFormat.Table)
            {
                Output.Write(session.Console.Out, output, new Listing(
                    ["ID", "State", "Result", "Log"], [[activity.Id, activity.State, activity.Result ?? "", activity.Log ?? ""]], activity));
                return ExitCodes.Success;
            }

            if (ActivityFollower.IsFinished(activity))
            {
                session.Console.Out.Write(activity.Log ?? "");
                return ExitCodes.Success;
            }

            // The event stream replays the lines so far, then new ones, so the log is printed from there alone.
            var finished = await new ActivityFollower(client, session.Time).FollowAsync(project, activity,
                new LogPrinter(session.Console.Out), ct);
            session.Console.Error.WriteLine($"Activity {finished.Id}: {finished.State}{(finished.Result is { } r ? ", " + r : "")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Cancel(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The activity ID" };
        var command = new Command("activity:cancel", "Cancel a waiting activity, or stop a running one at its next safe point") { id };
        app.SetAction(command, async (session, ct) =>
        {
            var project = session.ProjectId();
            using var client = session.Client();
            var activity = await client.PostAsync<ActivityDto>(
                $"{Session.ProjectPath(project)}/activities/{Uri.EscapeDataString(session.Parse.GetValue(id)!)}/cancel", body: null, ct);
            session.Console.Error.WriteLine(activity.State == ActivityStates.Cancelled
                ? $"Cancelled activity {activity.Id}."
                : $"Activity {activity.Id} stops at its next safe point and leaves the data as it was; follow it with portal activity:log {activity.Id}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed class LogPrinter(TextWriter output) : IActivityObserver
    {
        public void Progress(string state, int percent)
        {
            // The log says what happens; progress is the bar's business.
        }

        public void Log(string line) => output.WriteLine(line);
    }
}
