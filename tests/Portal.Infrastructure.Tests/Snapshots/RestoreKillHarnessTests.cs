namespace Portal.Infrastructure.Tests.Snapshots;

using System.Diagnostics;
using Activity = Portal.Core.Activities.Activity;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Snapshots;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// The kill harness: a real Portal process restores an environment holding a mount, SQLite, MariaDB, PostgreSQL and Redis,
/// and is killed (SIGKILL) at a random point of the restore, again and again: inside the safety snapshot, while staging,
/// while replacing, or anywhere. After each restart, once the repair ran, every service equals the snapshot exactly, and
/// the environment never showed as active while a service could be mixed or empty. The points hit are printed.
/// </summary>
public sealed class RestoreKillHarnessTests : IAsyncLifetime
{
    /// <summary>Kills per run; <c>PORTAL_KILL_HARNESS_KILLS</c> raises it for a longer soak.</summary>
    private static readonly int Kills = int.TryParse(System.Environment.GetEnvironmentVariable("PORTAL_KILL_HARNESS_KILLS"), out var n) ? n : 21;

    // Two Redis services: one loaded on commit, one staged in a database of its own and switched in with SWAPDB.
    private readonly KillHarnessShop _shop = new(redisDatabase: 0, sessions: (10, 11));
    private readonly List<string> _points = [];

    public ValueTask InitializeAsync() => _shop.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task KillsAtRandomPointsOfARestoreLeaveEveryServiceEqualToTheSnapshotOnceTheNextStartRepairedIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var random = new Random(Environment.TickCount);
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 1, settings: _shop.Settings());
        await using var portal = new PortalProcess(host.DataPath);
        foreach (var (key, value) in _shop.Settings())
        {
            portal.Settings[key] = value;
        }

        portal.Settings["Activities:PollMilliseconds"] = "100";
        portal.Settings["Activities:ProgressFlushMilliseconds"] = "50";
        await portal.StartAsync(ct);

        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, KillHarnessShop.Project, KillHarnessShop.Environment, false, ct));
        var created = await WaitAsync(host, portal, snapshot.Id);
        Assert.True(created.Result == ActivityResult.Success, created.Log);
        var snapshotted = await _shop.StateAsync();

        // One restore that is not killed measures how long its parts take, so the kills can be spread over them.
        await _shop.ChangeAsync(0);
        var timing = await RestoreUntouchedAsync(host, portal, snapshot.SnapshotId!);
        Assert.Equal(snapshotted, await _shop.StateAsync());

        var kills = 0;
        // Staging is the shortest part (~0.1 s here), so rounds go on past the 20th kill until each part was hit.
        for (var round = 1; kills < Kills || Uncovered() is not null; round++)
        {
            Assert.True(round <= 3 * Kills, $"only {kills} of {round - 1} rounds killed a running restore; {Uncovered() ?? "every part hit"}");
            await _shop.ChangeAsync(round);
            var changed = await _shop.StateAsync();
            var restore = await host.InScopeAsync<SnapshotService, Activity>(s =>
                s.RestoreAsync(PortalTestHost.Alice, KillHarnessShop.Project, KillHarnessShop.Environment, snapshot.SnapshotId!, new RestoreOptions(), ct));

            var where = (KillPoint)(round % 4);
            var (hit, interrupted) = await KillAtAsync(host, portal, restore.Id, where, timing, random);
            kills += interrupted ? 1 : 0;
            var point = interrupted ? $"kill {kills,2}: aimed at {where,-10} {hit}" : $"missed    aimed at {where,-10} {hit}";
            _points.Add(point);
            TestContext.Current.TestOutputHelper?.WriteLine(point);

            var afterKill = await EnvironmentAsync(host);
            if (afterKill.Status == EnvironmentStatus.Active && interrupted)
            {
                // Active after a kill: before the restore paused anything (nothing changed), or after it finished (all restored).
                var now = await _shop.StateAsync();
                Assert.True(now == changed || now == snapshotted, $"{point}: the environment is active after the kill but its data is mixed");
            }

            await portal.StartAsync(ct);
            var (repaired, seenActive) = await WaitWatchingStatusAsync(host, portal, restore.Id);
            Assert.True(repaired.Result == ActivityResult.Success, $"{point}: {repaired.Reason}\n{repaired.Log}");
            Assert.False(seenActive, $"{point}: the environment showed as active before the repair ended\n{repaired.Log}");
            Assert.Equal(snapshotted, await _shop.StateAsync());
            var environment = await EnvironmentAsync(host);
            Assert.Equal(EnvironmentStatus.Active, environment.Status);
            Assert.Null(environment.StatusReason);
            Assert.Empty(await JournalsAsync(host));
            Assert.Empty(await _shop.LeftoversAsync());
        }

        WritePoints();
    }

    private static readonly string[] Parts = ["while taking the safety snapshot", "while staging", "while committing"];

    /// <summary>The first part of a restore no kill has hit yet, or null once each was.</summary>
    private string? Uncovered() =>
        Parts.FirstOrDefault(part => !_points.Any(p => p.StartsWith("kill", StringComparison.Ordinal) && p.Contains(part, StringComparison.Ordinal)));

    private enum KillPoint
    {
        Anywhere,
        Safety,
        Staging,
        Replacing,
    }

    private sealed record Timing(TimeSpan Total, TimeSpan Safety, TimeSpan Staging, TimeSpan Replacing);

    /// <summary>Restores without a kill, noting when the safety snapshot, the staging and the replacing began and ended.</summary>
    private static async Task<Timing> RestoreUntouchedAsync(PortalTestHost host, PortalProcess portal, string snapshotId)
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var restore = await host.InScopeAsync<SnapshotService, Activity>(s =>
            s.RestoreAsync(PortalTestHost.Alice, KillHarnessShop.Project, KillHarnessShop.Environment, snapshotId, new RestoreOptions(), ct));
        TimeSpan? safetyStart = null, stagingStart = null, replacingStart = null;
        while (true)
        {
            var (activity, journal) = await ReadAsync(host, restore.Id);
            var at = clock.Elapsed;
            if (safetyStart is null && activity.CompletionPercent >= 10)
            {
                safetyStart = at;
            }

            if (stagingStart is null && IsStaging(activity))
            {
                stagingStart = at;
            }

            if (replacingStart is null && journal is { Phase: RestorePhase.Committing })
            {
                replacingStart = at;
            }

            if (activity.State == ActivityState.Complete)
            {
                Assert.True(activity.Result == ActivityResult.Success, activity.Log);
                var safety = (stagingStart ?? at) - (safetyStart ?? TimeSpan.Zero);
                var staging = (replacingStart ?? at) - (stagingStart ?? at);
                return new Timing(at, safety, staging, at - (replacingStart ?? at));
            }

            Assert.True(portal.IsRunning, "Portal exited on its own:\n" + portal.Output);
            await Task.Delay(2, ct);
        }
    }

    /// <summary>Waits for the chosen part of the restore, then a random time into it, kills Portal and says where the restore stood.</summary>
    private static async Task<(string Point, bool Interrupted)> KillAtAsync(PortalTestHost host, PortalProcess portal, string activityId, KillPoint where, Timing timing, Random random)
    {
        var ct = TestContext.Current.CancellationToken;
        var (entered, length) = where switch
        {
            KillPoint.Safety => ((Func<Activity, RestoreJournal?, bool>)((a, _) => a.CompletionPercent >= 10), timing.Safety),
            KillPoint.Staging => ((a, _) => IsStaging(a), timing.Staging),
            KillPoint.Replacing => ((_, j) => j is { Phase: RestorePhase.Committing }, timing.Replacing),
            _ => ((_, _) => true, timing.Total),
        };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (activity, journal) = await ReadAsync(host, activityId);
            Assert.True(activity.State != ActivityState.Complete, $"the restore ended ({activity.Result}) before the {where} point:\n{activity.Log}");
            if (activity.State == ActivityState.InProgress && entered(activity, journal))
            {
                break;
            }

            Assert.True(portal.IsRunning, "Portal exited on its own:\n" + portal.Output);
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"the restore never reached the {where} point");
            await Task.Delay(1, ct);
        }

        var delay = TimeSpan.FromMilliseconds(random.NextDouble() * length.TotalMilliseconds * 0.9);
        await Task.Delay(delay, ct);
        await portal.KillAsync();
        var (stood, stage) = await ReadAsync(host, activityId);
        var lastLine = stood.Log.TrimEnd('\n').Split('\n')[^1];
        lastLine = lastLine.Length > 80 ? lastLine[..80] + "…" : lastLine;
        var part = (stood.State, stage) switch
        {
            (ActivityState.Complete, _) => "after the end",
            // The journal is written before verifying starts and removed once every service holds the snapshot.
            (_, null) when stood.CompletionPercent >= 10 => "after the commit, before the activity was marked complete",
            (_, null) => "before its journal",
            (_, { Phase: RestorePhase.Committing }) => $"while committing, done: [{string.Join(", ", stage.Committed)}]",
            (_, { Phase: RestorePhase.RollingBack }) => "while rolling back",
            _ when stood.CompletionPercent < 10 => "while verifying",
            _ when stood.CompletionPercent < 50 => "while taking the safety snapshot",
            _ => "while staging",
        };
        var text = string.Create(CultureInfo.InvariantCulture, $"+{delay.TotalMilliseconds,5:0} ms, {stood.CompletionPercent,2}%, {part}; last log line: {lastLine}");
        return (text, stood.State == ActivityState.InProgress);
    }

    // The executor logs "restoring …" as the engine starts staging; the percent alone lags (the safety snapshot ends at 50 %).
    private static bool IsStaging(Activity activity) => activity.Log.Contains("] restoring ", StringComparison.Ordinal);

    private static async Task<Activity> WaitAsync(PortalTestHost host, PortalProcess portal, string activityId) =>
        (await WaitWatchingStatusAsync(host, portal, activityId)).Activity;

    /// <summary>Waits for the activity to end, sampling the environment's status meanwhile: true if it was ever active before the end.</summary>
    private static async Task<(Activity Activity, bool SeenActive)> WaitWatchingStatusAsync(PortalTestHost host, PortalProcess portal, string activityId)
    {
        var deadline = Stopwatch.StartNew();
        var seenActive = false;
        while (true)
        {
            // The status first, then the journal: the restore deletes its journal once every service is whole, and only
            // then gives the environment back, so active while the journal is still there means active while mixed.
            var status = (await EnvironmentAsync(host)).Status;
            var (activity, journal) = await ReadAsync(host, activityId);
            if (activity.State == ActivityState.Complete)
            {
                return (activity, seenActive);
            }

            seenActive |= status == EnvironmentStatus.Active && journal is { Phase: not RestorePhase.Preparing };
            Assert.True(portal.IsRunning, "Portal exited on its own:\n" + portal.Output);
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"activity {activityId} did not end:\n{activity.Log}");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<(Activity Activity, RestoreJournal? Journal)> ReadAsync(PortalTestHost host, string activityId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        var activity = await db.Activities.AsNoTracking().SingleAsync(a => a.Id == activityId, ct);
        var journal = await db.RestoreJournals.AsNoTracking().FirstOrDefaultAsync(j => j.ActivityId == activityId, ct);
        return (activity, journal);
    }

    private static async Task<ProjectEnvironment> EnvironmentAsync(PortalTestHost host)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        return await db.Environments.AsNoTracking().SingleAsync(e => e.ProjectId == KillHarnessShop.Project && e.Name == KillHarnessShop.Environment, ct);
    }

    private static async Task<List<string>> JournalsAsync(PortalTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.RestoreJournals.Select(j => j.ActivityId).ToListAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The points go to the test results folder too, where the test command prints them.</summary>
    private void WritePoints()
    {
        var folder = System.Environment.GetEnvironmentVariable("PORTAL_TEST_RESULTS");
        var file = Path.Combine(string.IsNullOrEmpty(folder) ? AppContext.BaseDirectory : folder, "kill-points.txt");
        File.WriteAllLines(file, ["Restore kill harness: the points where Portal was killed, and where the restore stood", .. _points]);
    }
}
