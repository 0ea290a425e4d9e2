namespace Portal.Cli;

using System.CommandLine;
using System.Globalization;
using Portal.Contracts;

/// <summary>
/// snapshot:create, snapshot:list, snapshot:restore and snapshot:delete, named and printed as the seed's CLI does; and
/// snapshot:pin, snapshot:unpin and snapshot:verify, which the Snapshots dialog offers beyond the seed.
/// </summary>
internal static class SnapshotCommands
{
    public static IEnumerable<Command> Build(CliApp app)
    {
        yield return Create(app);
        yield return List(app);
        yield return Restore(app);
        yield return Delete(app);
        yield return Pin(app);
        yield return Unpin(app);
        yield return Verify(app);
    }

    private static Command Create(CliApp app)
    {
        var live = new Option<bool>("--live") { Description = "Take the snapshot without pausing the environment (no downtime)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the snapshot is queued, without waiting for it" };
        var command = new Command("snapshot:create", "Create a snapshot of an environment and wait for it") { live, noWait };
        app.SetAction(command, async (session, ct) =>
        {
            var (project, environment) = (session.ProjectId(), session.Environment());
            using var client = session.Client();
            session.Console.Error.WriteLine($"Creating a snapshot of {environment}");
            var activity = await client.PostAsync<ActivityDto>(
                $"{session.EnvironmentPath(project, environment)}/snapshots", new CreateSnapshotRequest { Live = session.Parse.GetValue(live) }, ct);
            if (!session.Parse.GetValue(noWait))
            {
                activity = await WaitAsync(session, client, project, activity, ct);
            }

            session.Console.Out.WriteLine($"Snapshot name: {activity.SnapshotId}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliApp app)
    {
        var format = CliApp.FormatOption();
        var command = new Command("snapshot:list", "List an environment's snapshots and whether each can still be restored") { format };
        app.SetAction(command, async (session, ct) =>
        {
            var (project, environment) = (session.ProjectId(), session.Environment());
            var output = Output.ParseFormat(session.Parse.GetValue(format));
            using var client = session.Client();
            var snapshots = await client.GetAsync<SnapshotDto[]>($"{session.EnvironmentPath(project, environment)}/snapshots", ct);
            if (output == OutputFormat.Table)
            {
                await WriteHeadingAsync(session, client, "Snapshots", project, environment, ct);
            }

            // The seed's four columns first, so scripts that read them by position keep working; then pin and verify.
            Output.Write(session.Console.Out, output, new Listing(
                ["Created", "Snapshot ID", "Restorable", "Size", "Pinned", "Verified"],
                [.. snapshots.Select(s => (IReadOnlyList<string>)[
                    Output.Time(s.CreatedAt), s.Id, s.Restorable ? "true" : "false", Output.Size(s.SizeOfDatabases + s.SizeOfVolumes),
                    s.PinReason ?? "", s.VerifyFailure is null ? Output.Time(s.VerifiedAt) : "failed"])],
                snapshots));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Restore(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The snapshot ID (see snapshot:list)" };
        var target = new Option<string?>("--target") { Description = "Restore into this environment instead of the snapshot's own" };
        var noSafety = new Option<bool>("--no-safety-snapshot") { Description = "Do not first snapshot what the restore replaces" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Restore without asking (needed when there is no terminal)" };
        var command = new Command("snapshot:restore", "Restore a snapshot, replacing the environment's data (never its code)") { id, target, noSafety, yes };
        app.SetAction(command, async (session, ct) =>
        {
            var (project, environment) = (session.ProjectId(), session.Environment());
            var snapshotId = session.Parse.GetValue(id)!;
            var into = session.Parse.GetValue(target) ?? environment;
            using var client = session.Client();
            var snapshot = await client.GetAsync<SnapshotDto>($"{session.EnvironmentPath(project, environment)}/snapshots/{Uri.EscapeDataString(snapshotId)}", ct);
            var destination = await client.GetAsync<EnvironmentDto>(session.EnvironmentPath(project, into), ct);
            var error = session.Console.Error;
            error.WriteLine($"Restoring snapshot {snapshot.Id} of {environment} into {into}.");
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Snapshot restore date: {snapshot.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz} ({snapshot.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)"));
            error.WriteLine($"This replaces the data of {into}: {string.Join(", ", destination.Services.Select(s => $"{s.Name} ({s.Kind})"))}. Code is not changed.");
            if (!snapshot.Restorable)
            {
                throw new CliException(ExitCodes.Refused, $"Snapshot {snapshot.Id} cannot be restored: {snapshot.NotRestorableReason}");
            }

            if (!session.Parse.GetValue(yes))
            {
                Confirm(session.Console, "Are you sure you want to restore this snapshot?");
            }

            var activity = await client.PostAsync<ActivityDto>(
                $"{session.EnvironmentPath(project, environment)}/snapshots/{Uri.EscapeDataString(snapshot.Id)}/restore",
                new RestoreSnapshotRequest { SafetySnapshot = session.Parse.GetValue(noSafety) ? false : null, Target = session.Parse.GetValue(target) }, ct);
            activity = await WaitAsync(session, client, project, activity, ct);
            session.Console.Out.WriteLine(activity.SafetySnapshotId is { } safety
                ? $"Safety snapshot: {safety} (restore it to undo)"
                : "Safety snapshot: none");
            error.WriteLine($"Restored snapshot {snapshot.Id} into {into}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The snapshot ID" };
        var command = new Command("snapshot:delete", "Delete a snapshot and wait until its data has left the store") { id };
        app.SetAction(command, async (session, ct) =>
        {
            var (project, environment) = (session.ProjectId(), session.Environment());
            var snapshotId = session.Parse.GetValue(id)!;
            using var client = session.Client();
            session.Console.Error.WriteLine($"Deleting snapshot {snapshotId} of {environment}");
            var activity = await client.DeleteAsync<ActivityDto>($"{session.EnvironmentPath(project, environment)}/snapshots/{Uri.EscapeDataString(snapshotId)}", ct);
            await WaitAsync(session, client, project, activity, ct);
            session.Console.Error.WriteLine($"Deleted snapshot {snapshotId}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Pin(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The snapshot ID (see snapshot:list)" };
        var reason = new Option<string>("--reason")
        {
            Description = "Why it is kept (one line, up to 200 characters), shown in the list and the feed",
            Required = true,
        };
        var command = new Command("snapshot:pin", "Pin a complete snapshot: no rotation or expiry removes it, and it stays restorable, until unpinned") { id, reason };
        app.SetAction(command, async (session, ct) =>
        {
            using var client = session.Client();
            var snapshot = await client.PutAsync<SnapshotDto>(
                $"{SnapshotPath(session, session.Parse.GetValue(id)!)}/pin", new PinSnapshotRequest { Reason = session.Parse.GetValue(reason) }, ct);
            session.Console.Out.WriteLine($"Snapshot {snapshot.Id} of {snapshot.Environment} is pinned: {snapshot.PinReason}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Unpin(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The snapshot ID" };
        var command = new Command("snapshot:unpin", "Unpin a snapshot: the retention policy applies to it again") { id };
        app.SetAction(command, async (session, ct) =>
        {
            using var client = session.Client();
            var snapshot = await client.DeleteAsync<SnapshotDto>($"{SnapshotPath(session, session.Parse.GetValue(id)!)}/pin", ct);
            session.Console.Out.WriteLine($"Snapshot {snapshot.Id} of {snapshot.Environment} is no longer pinned; retention applies to it again.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Verify(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The snapshot ID (see snapshot:list)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the verify is queued, without waiting for it" };
        var command = new Command("snapshot:verify", "Re-read every stored object of a snapshot, check its hash, and wait for the outcome") { id, noWait };
        app.SetAction(command, async (session, ct) =>
        {
            var project = session.ProjectId();
            var snapshotId = session.Parse.GetValue(id)!;
            using var client = session.Client();
            session.Console.Error.WriteLine($"Verifying snapshot {snapshotId} of {session.Environment()}");
            var activity = await client.PostAsync<ActivityDto>($"{SnapshotPath(session, snapshotId)}/verify", body: null, ct);
            if (session.Parse.GetValue(noWait))
            {
                session.Console.Out.WriteLine($"Verify queued: activity {activity.Id} (see portal activity:log {activity.Id})");
                return ExitCodes.Success;
            }

            await WaitAsync(session, client, project, activity, ct);
            session.Console.Out.WriteLine($"Snapshot {snapshotId} verified: every stored object was read back and matches its hash.");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The API path of one snapshot of the session's environment.</summary>
    private static string SnapshotPath(Session session, string snapshotId) =>
        $"{session.EnvironmentPath(session.ProjectId(), session.Environment())}/snapshots/{Uri.EscapeDataString(snapshotId)}";

    /// <summary>The line above a table, as the seed prints it: what is listed, on which project (its title and id) and environment (its type).</summary>
    public static async Task WriteHeadingAsync(Session session, PortalClient client, string what, string project, string environment, CancellationToken ct)
    {
        var title = (await client.GetAsync<ProjectDto[]>("api/projects", ct)).FirstOrDefault(p => p.Id == project)?.Title ?? project;
        var type = (await client.GetAsync<EnvironmentDto>(session.EnvironmentPath(project, environment), ct)).Type;
        session.Console.Out.WriteLine($"{what} on the project {title} ({project}), environment {environment} (type: {type}):");
    }

    /// <summary>Follows the activity with a progress bar; a failed or cancelled one ends the command with its reason and log.</summary>
    public static async Task<ActivityDto> WaitAsync(Session session, PortalClient client, string project, ActivityDto activity, CancellationToken ct)
    {
        ActivityDto finished;
        using (var bar = new ProgressBar(session.Console.Error, session.Console.ErrorIsTerminal, session.Time))
        {
            finished = await new ActivityFollower(client, session.Time).FollowAsync(project, activity, bar, ct);
        }

        if (finished.State == ActivityStates.Complete && finished.Result == "success")
        {
            return finished;
        }

        var log = finished.Log ?? (await client.GetAsync<ActivityDto>($"{Session.ProjectPath(project)}/activities/{Uri.EscapeDataString(finished.Id)}", ct)).Log;
        if (!string.IsNullOrWhiteSpace(log))
        {
            session.Console.Error.WriteLine(log.TrimEnd());
        }

        var outcome = finished.State == ActivityStates.Cancelled ? "was cancelled" : "failed";
        throw new CliException(ExitCodes.ActivityFailed, $"{finished.Text} {outcome}{(finished.Reason is { } reason ? ": " + reason : ".")} (activity {finished.Id})");
    }

    /// <summary>Asks yes or no at a terminal; with no terminal there is no one to ask, so it refuses rather than assume.</summary>
    private static void Confirm(CliConsole console, string question)
    {
        if (!console.InputIsTerminal)
        {
            throw new CliException(ExitCodes.Refused, "Not restoring: there is no terminal to confirm on. Pass --yes to restore without asking.");
        }

        console.Error.Write($"{question} [y/N] ");
        var answer = console.In.ReadLine()?.Trim();
        if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(ExitCodes.Refused, "Not restoring: not confirmed.");
        }
    }
}
