namespace Portal.Cli;

using System.CommandLine;
using Portal.Contracts;

/// <summary>schedule:get, schedule:set and schedule:remove: an environment's snapshot schedule, as the Snapshots dialog edits it.</summary>
internal static class ScheduleCommands
{
    public static IEnumerable<Command> Build(CliApp app)
    {
        var format = CliApp.FormatOption();
        var get = new Command("schedule:get", "Show an environment's snapshot schedule and its next five runs") { format };
        app.SetAction(get, async (session, ct) =>
        {
            using var client = session.Client();
            var schedule = await client.GetAsync<ScheduleDto>(Path(session), ct);
            Print(session, Output.ParseFormat(session.Parse.GetValue(format)), schedule);
            return ExitCodes.Success;
        });
        yield return get;

        var cron = new Argument<string>("cron") { Description = "Five cron fields in the project's time zone, quoted, e.g. \"0 2 * * *\"; at most hourly" };
        var live = new Option<bool>("--live") { Description = "Take live snapshots (no pause) rather than safe ones" };
        var set = new Command("schedule:set", "Set an environment's snapshot schedule") { cron, live };
        app.SetAction(set, async (session, ct) =>
        {
            using var client = session.Client();
            var request = new SetScheduleRequest { Cron = session.Parse.GetValue(cron), Live = session.Parse.GetValue(live) };
            Print(session, OutputFormat.Table, await client.PutAsync<ScheduleDto>(Path(session), request, ct));
            return ExitCodes.Success;
        });
        yield return set;

        var remove = new Command("schedule:remove", "Remove an environment's snapshot schedule");
        app.SetAction(remove, async (session, ct) =>
        {
            using var client = session.Client();
            var schedule = await client.DeleteAsync<ScheduleDto>(Path(session), ct);
            session.Console.Out.WriteLine($"{schedule.Environment} has no schedule.");
            return ExitCodes.Success;
        });
        yield return remove;
    }

    private static string Path(Session session) => $"{session.EnvironmentPath(session.ProjectId(), session.Environment())}/schedule";

    private static void Print(Session session, OutputFormat format, ScheduleDto schedule)
    {
        if (format != OutputFormat.Table)
        {
            Output.Write(session.Console.Out, format, new Listing(["Next run"], [.. schedule.NextRuns.Select(r => (IReadOnlyList<string>)[Output.Time(r)])], schedule));
            return;
        }

        if (schedule.Cron is null)
        {
            session.Console.Out.WriteLine($"{schedule.Environment} has no schedule.");
            return;
        }

        session.Console.Out.WriteLine($"Schedule of {schedule.Environment}: {schedule.Cron} ({schedule.TimeZone}), {(schedule.Live ? "live" : "safe")} snapshots"
            + (schedule.Declared ? ", declared in Portal's configuration" : ""));
        Output.Write(session.Console.Out, format, new Listing(["Next run"], [.. schedule.NextRuns.Select(r => (IReadOnlyList<string>)[Output.Time(r)])], schedule));
    }
}
