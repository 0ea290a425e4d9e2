namespace Portal.Infrastructure.Tests.Alerts;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Alerts;
using Portal.Core.Common;
using Portal.Core.Schedules;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Alerts;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>
/// Issue #16 item 5: a failed activity, a missed scheduled snapshot and an activity running past twice its usual time each raise
/// one alert on the environment, which closes when its cause is over (a later success, a snapshot, the end) or an admin dismisses it.
/// </summary>
public sealed class AlertRaiserTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AScheduledSnapshotThatDidNotHappenRaisesOneAlertUntilASnapshotIsTaken(string provider)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 5, 0, TimeSpan.Zero));
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 3);
        await host.InScopeAsync<ScheduleService, ScheduleView>(s => s.SetAsync(PortalTestHost.Alice, Project, Environment, "0 * * * *", false, Cancel));
        var raiser = host.Get<AlertRaiser>();

        // 09:00 is not an hour late yet at 09:45; at 10:30 it is, and nothing ran it (the scheduler was never given the chance).
        time.Advance(new TimeSpan(1, 40, 0));
        Assert.Equal(0, await raiser.RaiseAsync(Cancel));
        time.Advance(TimeSpan.FromMinutes(45));
        Assert.Equal(1, await raiser.RaiseAsync(Cancel));
        var alert = Assert.Single(await OpenAsync(host, PortalTestHost.Carol));
        Assert.Equal((AlertKind.ScheduleMissed, "schedule.missed", "The scheduled snapshot of develop-branch due 2026-12-03 09:00 (UTC) did not happen: there is no snapshot since."),
            (alert.Kind, alert.Event, alert.Message));

        // Still behind an hour later, on the 10:00 run too: the one open alert says so, no second one.
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await raiser.RaiseAsync(Cancel));
        Assert.Single(await OpenAsync(host, PortalTestHost.Carol));

        await host.StartWorkerAsync();
        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, Cancel));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(snapshot.Id)).Result);
        Assert.Equal(0, await raiser.RaiseAsync(Cancel));
        Assert.Empty(await OpenAsync(host, PortalTestHost.Carol));
        Assert.Equal("a snapshot was taken since", (await AlertAsync(host, alert.Id)).ClosedBecause);
    }

    [Fact]
    public async Task AFailedSnapshotRaisesAnAlertForEveryoneThatALaterSuccessfulSnapshotCloses()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 3);
        await host.StartWorkerAsync();
        var raiser = host.Get<AlertRaiser>();
        var media = Path.Combine(host.DataPath, "demo", Environment, "pub", "media");
        var aside = media + ".aside";
        Directory.Move(media, aside);
        var failed = await host.WaitForCompletionAsync((await CreateSnapshotAsync(host)).Id);
        Assert.Equal(ActivityResult.Failure, failed.Result);

        Assert.Equal(1, await raiser.RaiseAsync(Cancel));
        Assert.Equal(0, await raiser.RaiseAsync(Cancel));
        var alert = Assert.Single(await OpenAsync(host, PortalTestHost.Carol));
        Assert.Equal((AlertKind.ActivityFailed, failed.Id, $"The snapshot of develop-branch ({failed.Text}) failed: {failed.Reason}"),
            (alert.Kind, alert.ActivityId, alert.Message));

        Directory.Move(aside, media);
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync((await CreateSnapshotAsync(host)).Id)).Result);
        Assert.Equal(0, await raiser.RaiseAsync(Cancel));
        Assert.Empty(await OpenAsync(host, PortalTestHost.Carol));
        Assert.Equal("a later snapshot succeeded", (await AlertAsync(host, alert.Id)).ClosedBecause);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AFailureIsClosedOnlyByALaterSuccessOfItsOwnType(string provider)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 3);
        var early = await RecordEndedAsync(host, time.GetUtcNow(), ActivityTypes.Snapshot, ActivityResult.Failure);
        var restore = await RecordEndedAsync(host, time.GetUtcNow(), ActivityTypes.Restore, ActivityResult.Failure);
        await RecordEndedAsync(host, time.GetUtcNow(), ActivityTypes.Snapshot, ActivityResult.Success);
        var late = await RecordEndedAsync(host, time.GetUtcNow(), ActivityTypes.Snapshot, ActivityResult.Failure);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(3, await host.Get<AlertRaiser>().RaiseAsync(Cancel));

        var open = (await OpenAsync(host, PortalTestHost.Carol)).Select(a => a.ActivityId).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { restore, late }.Order(StringComparer.Ordinal), open);
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        Assert.Equal("a later snapshot succeeded", (await db.Alerts.AsNoTracking().SingleAsync(a => a.ActivityId == early, Cancel)).ClosedBecause);
    }

    [Fact]
    public async Task OnlyAnAdminDismissesAnAlertAndOnlyOnce()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 3);
        await host.StartWorkerAsync();
        Directory.Delete(Path.Combine(host.DataPath, "demo", Environment, "var"), recursive: true);
        await host.WaitForCompletionAsync((await CreateSnapshotAsync(host)).Id);
        await host.Get<AlertRaiser>().RaiseAsync(Cancel);
        var alert = Assert.Single(await OpenAsync(host, PortalTestHost.Carol));

        var viewer = await Assert.ThrowsAsync<PortalRefusedException>(() => DismissAsync(host, PortalTestHost.Carol, alert.Id));
        Assert.Equal(RefusalCode.MissingRole, viewer.Code);
        Assert.False((await host.InScopeAsync<AlertService, EnvironmentAlerts>(s => s.ListOpenAsync(PortalTestHost.Carol, Project, Environment, Cancel))).CanDismiss);
        Assert.True((await host.InScopeAsync<AlertService, EnvironmentAlerts>(s => s.ListOpenAsync(PortalTestHost.Alice, Project, Environment, Cancel))).CanDismiss);

        await DismissAsync(host, PortalTestHost.Alice, alert.Id);
        Assert.Empty(await OpenAsync(host, PortalTestHost.Carol));
        Assert.Equal("dismissed by Alice", (await AlertAsync(host, alert.Id)).ClosedBecause);
        var again = await Assert.ThrowsAsync<PortalRefusedException>(() => DismissAsync(host, PortalTestHost.Alice, alert.Id));
        Assert.Equal(RefusalCode.AlertNotFound, again.Code);

        // Dismissed is closed for good: the same failure is not raised again.
        Assert.Equal(0, await host.Get<AlertRaiser>().RaiseAsync(Cancel));
    }

    [Fact]
    public async Task AnActivityRunningPastTwiceItsUsualTimeRaisesAnOverrunThatItsEndCloses()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
        await using var host = await PortalTestHost.StartAsync(time: time, mediaFiles: 3);
        var raiser = host.Get<AlertRaiser>();
        // The environment's last snapshots took 2, 3 and 2 minutes (usual: 2 min); one has been running since 08:00.
        var running = await RecordSnapshotsAsync(host, time.GetUtcNow(), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(2));

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await raiser.RaiseAsync(Cancel));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await raiser.RaiseAsync(Cancel));
        var alert = Assert.Single(await OpenAsync(host, PortalTestHost.Carol));
        Assert.Equal((AlertKind.ActivityOverrun, running, "activity.overrun"), (alert.Kind, alert.ActivityId, alert.Event));
        Assert.EndsWith("has been running for 5 min, more than twice the usual 2 min.", alert.Message, StringComparison.Ordinal);
        Assert.Equal(0, await raiser.RaiseAsync(Cancel));

        await using (var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel))
        {
            await db.Activities.Where(a => a.Id == running).ExecuteUpdateAsync(set => set
                .SetProperty(a => a.State, ActivityState.Complete).SetProperty(a => a.Result, ActivityResult.Success), Cancel);
        }

        await raiser.RaiseAsync(Cancel);
        Assert.Empty(await OpenAsync(host, PortalTestHost.Carol));
        Assert.Equal("the activity ended", (await AlertAsync(host, alert.Id)).ClosedBecause);
    }

    [Fact]
    public async Task AShortActivityTwiceItsUsualSecondsIsNoOverrun()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
        await using var host = await PortalTestHost.StartAsync(time: time, mediaFiles: 3);
        await RecordSnapshotsAsync(host, time.GetUtcNow(), TimeSpan.FromSeconds(10));

        // Five times its usual 10 s, but under Alerts:OverrunMinimum (1 min) over it: no news.
        time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(0, await host.Get<AlertRaiser>().RaiseAsync(Cancel));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await host.Get<AlertRaiser>().RaiseAsync(Cancel));
    }

    /// <summary>Finished snapshots of the given durations as the feed recorded them, then one running since <paramref name="now"/>; returns its id.</summary>
    private static async Task<string> RecordSnapshotsAsync(PortalTestHost host, DateTimeOffset now, params TimeSpan[] durations)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        var environment = await db.Environments.SingleAsync(e => e.ProjectId == Project && e.Name == Environment, Cancel);
        Activity Snapshot(DateTimeOffset started, TimeSpan? took) => new()
        {
            Id = PortalIds.New(), ProjectId = Project, EnvironmentId = environment.Id, EnvironmentName = Environment, Type = ActivityTypes.Snapshot,
            State = took is null ? ActivityState.InProgress : ActivityState.Complete, Result = took is null ? null : ActivityResult.Success,
            CreatedAt = started, StartedAt = started, CompletedAt = started + took, Text = "Alice created a snapshot of develop-branch", InitiatedBy = "alice",
        };
        var day = 0;
        foreach (var took in durations)
        {
            db.Activities.Add(Snapshot(now.AddDays(--day), took));
            await db.SaveChangesAsync(Cancel);
        }

        var running = Snapshot(now, null);
        db.Activities.Add(running);
        await db.SaveChangesAsync(Cancel);
        return running.Id;
    }

    /// <summary>An activity of the environment that ended at <paramref name="at"/> with the given result, as the feed recorded it; returns its id.</summary>
    private static async Task<string> RecordEndedAsync(PortalTestHost host, DateTimeOffset at, string type, ActivityResult result)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        var environment = await db.Environments.SingleAsync(e => e.ProjectId == Project && e.Name == Environment, Cancel);
        var activity = new Activity
        {
            Id = PortalIds.New(), ProjectId = Project, EnvironmentId = environment.Id, EnvironmentName = Environment, Type = type,
            State = ActivityState.Complete, Result = result, Reason = result == ActivityResult.Failure ? "the disk was full" : null,
            CreatedAt = at, StartedAt = at, CompletedAt = at, Text = "Alice worked on develop-branch", InitiatedBy = "alice",
        };
        db.Activities.Add(activity);
        await db.SaveChangesAsync(Cancel);
        return activity.Id;
    }

    private static Task<Activity> CreateSnapshotAsync(PortalTestHost host) =>
        host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, Cancel));

    private static async Task<IReadOnlyList<Alert>> OpenAsync(PortalTestHost host, Actor actor) =>
        (await host.InScopeAsync<AlertService, EnvironmentAlerts>(s => s.ListOpenAsync(actor, Project, Environment, Cancel))).Open;

    private static Task<bool> DismissAsync(PortalTestHost host, Actor actor, Guid alertId) =>
        host.InScopeAsync<AlertService, bool>(async s => { await s.DismissAsync(actor, Project, Environment, alertId, Cancel); return true; });

    private static async Task<Alert> AlertAsync(PortalTestHost host, Guid id)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        return await db.Alerts.AsNoTracking().SingleAsync(a => a.Id == id, Cancel);
    }
}
