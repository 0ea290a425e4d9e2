namespace Portal.Infrastructure.Tests.Schedules;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Schedules;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Schedules;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>
/// Issue #16 item 1 with a fake clock: schedules fire at the instants their cron expression names in the project's time zone,
/// across both daylight-saving changes; runs missed while Portal was down collapse into one; a run is never queued twice.
/// </summary>
public sealed class SnapshotSchedulerTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string[]> DaylightSavingChanges => new()
    {
        // Berlin springs forward on 29 March 2026 at 02:00 CET: 02:30 does not exist that night, so the run comes at 03:00 CEST.
        { "2026-03-27T12:00:00Z", "2026-03-31T12:00:00Z", ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"] },
        // Berlin falls back on 25 October 2026 at 03:00 CEST: 02:30 happens twice that night, and the run comes once, at the first.
        { "2026-10-23T12:00:00Z", "2026-10-27T12:00:00Z", ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"] },
    };

    [Theory]
    [MemberData(nameof(DaylightSavingChanges))]
    public async Task ANightlyScheduleInBerlinFiresAtTheRightInstantsAcrossADaylightSavingChange(string from, string to, string[] expected)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture));
        await using var host = await PortalTestHost.StartAsync(time: time, mediaFiles: 3);
        await SetTimeZoneAsync(host, "Europe/Berlin");
        await host.InScopeAsync<ScheduleService, ScheduleView>(s => s.SetAsync(PortalTestHost.Alice, Project, Environment, "30 2 * * *", false, Cancel));
        var scheduler = Scheduler(host);

        // The scheduler looks every 10 minutes of fake time; each run it queues records the instant it was due.
        var fired = new List<DateTimeOffset>();
        var end = DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture);
        while (time.GetUtcNow() < end)
        {
            time.Advance(TimeSpan.FromMinutes(10));
            if (await scheduler.RunDueAsync(Cancel) == 1)
            {
                fired.Add((await ScheduleAsync(host)).LastRunAt!.Value);
            }
        }

        Assert.Equal(expected.Select(e => DateTimeOffset.Parse(e, System.Globalization.CultureInfo.InvariantCulture)), fired);
        var activities = await ScheduledActivitiesAsync(host);
        Assert.Equal(expected.Length, activities.Count);
        Assert.All(activities, a => Assert.Equal(("portal", ActivityTypes.Snapshot, "Portal created a scheduled snapshot of develop-branch"), (a.InitiatedBy, a.Type, a.Text)));
        // Each within one look of its time.
        Assert.All(activities.Zip(fired), pair => Assert.InRange(pair.First.CreatedAt - pair.Second, TimeSpan.Zero, TimeSpan.FromMinutes(10)));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task RunsMissedWhilePortalWasDownCollapseIntoOneAutomatedSnapshotThatRuns(string provider)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 5, 0, TimeSpan.Zero));
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 3);
        await host.InScopeAsync<ScheduleService, ScheduleView>(s => s.SetAsync(PortalTestHost.Alice, Project, Environment, "0 * * * *", true, Cancel));
        var scheduler = Scheduler(host);

        // Portal is down from 08:05 to 13:10: runs were due at 09:00, 10:00, 11:00, 12:00 and 13:00.
        time.Advance(new TimeSpan(5, 5, 0));
        Assert.Equal(1, await scheduler.RunDueAsync(Cancel));
        Assert.Equal(0, await scheduler.RunDueAsync(Cancel));
        var queued = Assert.Single(await ScheduledActivitiesAsync(host));
        Assert.StartsWith("scheduled run due 2026-12-03 13:00 UTC; 4 earlier runs were missed while Portal was not running", queued.Log, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 13, 0, 0, TimeSpan.Zero), (await ScheduleAsync(host)).LastRunAt);

        await host.StartWorkerAsync();
        var done = await host.WaitForCompletionAsync(queued.Id);
        Assert.True(done.Result == ActivityResult.Success, done.Log);
        var listed = await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(PortalTestHost.Bob, Project, Environment, Cancel));
        var snapshot = Assert.Single(listed).Snapshot;
        Assert.Equal((queued.SnapshotId, true, false, "portal"), (snapshot.Id, snapshot.Automated, snapshot.Safe, snapshot.CreatedBy));

        // The next hour brings exactly the next run.
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await scheduler.RunDueAsync(Cancel));
        Assert.Equal(2, (await ScheduledActivitiesAsync(host)).Count);
    }

    [Fact]
    public async Task ARunQueuedJustBeforeACrashIsNotQueuedAgainOnTheNextStart()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 5, 0, TimeSpan.Zero));
        await using var host = await PortalTestHost.StartAsync(time: time, mediaFiles: 3);
        await host.InScopeAsync<ScheduleService, ScheduleView>(s => s.SetAsync(PortalTestHost.Alice, Project, Environment, "0 9 * * *", false, Cancel));
        var schedule = await ScheduleAsync(host);
        time.Advance(TimeSpan.FromHours(1));

        // What a scheduler that died after queuing the 09:00 run, before recording it, left behind.
        var run = new ScheduledRun(schedule.Id, new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero), 0);
        await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateScheduledAsync(Project, Environment, false, run, Cancel));

        Assert.Equal(0, await Scheduler(host).RunDueAsync(Cancel));
        Assert.Single(await ScheduledActivitiesAsync(host));
        Assert.Equal(run.Due, (await ScheduleAsync(host)).LastRunAt);
    }

    [Fact]
    public async Task ARunThatCannotBeTakenIsSkippedAndTheNextOneTriesAgain()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 5, 0, TimeSpan.Zero));
        await using var host = await PortalTestHost.StartAsync(time: time, mediaFiles: 3);
        await host.InScopeAsync<ScheduleService, ScheduleView>(s => s.SetAsync(PortalTestHost.Alice, Project, Environment, "0 9 * * *", false, Cancel));
        await using (var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel))
        {
            await db.Environments.Where(e => e.ProjectId == Project && e.Name == Environment)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.Status, Portal.Core.Environments.EnvironmentStatus.Inactive), Cancel);
        }

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await Scheduler(host).RunDueAsync(Cancel));
        Assert.Empty(await ScheduledActivitiesAsync(host));
        Assert.Contains(host.Warnings, w => w.Contains("The scheduled snapshot of demo-shop/develop-branch due at", StringComparison.Ordinal) && w.Contains("inactive", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero), (await ScheduleAsync(host)).LastRunAt);
    }

    private static SnapshotScheduler Scheduler(PortalTestHost host) => host.Get<IEnumerable<IHostedService>>().OfType<SnapshotScheduler>().Single();

    private static async Task<SnapshotSchedule> ScheduleAsync(PortalTestHost host) =>
        (await host.InScopeAsync<ScheduleService, ScheduleView>(s => s.GetAsync(PortalTestHost.Alice, Project, Environment, Cancel))).Schedule!;

    private static async Task<List<Activity>> ScheduledActivitiesAsync(PortalTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        // The demo's history has Portal's own activities too (crons, pushes): only those that queued an automated snapshot count.
        var automated = db.Snapshots.Where(s => s.Automated).Select(s => s.ActivityId);
        return (await db.Activities.AsNoTracking().Where(a => a.InitiatedBy == Actor.System.UserId && automated.Contains(a.Id)).ToListAsync(Cancel)).OrderBy(a => a.Sequence).ToList();
    }

    private static async Task SetTimeZoneAsync(PortalTestHost host, string zone)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        await db.Projects.Where(p => p.Id == Project).ExecuteUpdateAsync(set => set.SetProperty(p => p.TimeZone, zone), Cancel);
    }
}
