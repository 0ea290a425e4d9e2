namespace Portal.Infrastructure.Tests.Snapshots;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Snapshots;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

public sealed class SnapshotPinTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task APinnedSnapshotOutlivesItsWindowStaysRestorableAndBothPinAndUnpinAreInTheFeed(string provider)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 2);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var expiry = host.Get<IEnumerable<IHostedService>>().OfType<SnapshotExpiry>().Single();
        var id = await SnapshotAsync(host);

        var pinned = await PinAsync(host, PortalTestHost.Alice, id, "  before the Black Friday release ");
        Assert.Equal(("before the Black Friday release", PortalTestHost.Alice.UserId), (pinned.PinReason, pinned.PinnedBy));
        time.Advance(TimeSpan.FromDays(30));

        Assert.Empty(await expiry.SweepAsync(ct));
        var view = await host.InScopeAsync<SnapshotService, SnapshotView>(s => s.GetAsync(PortalTestHost.Alice, Project, Environment, id, ct));
        Assert.True(view.Restorable);
        Assert.True(await host.Get<ISnapshotEngine>().HasManifestAsync(id, ct));
        var deleteRefused = await Assert.ThrowsAsync<PortalRefusedException>(() =>
            host.InScopeAsync<SnapshotService, Activity>(s => s.DeleteAsync(PortalTestHost.Alice, Project, Environment, id, ct)));
        Assert.Equal(RefusalCode.SnapshotPinned, deleteRefused.Refusal.Code);
        var again = await Assert.ThrowsAsync<PortalRefusedException>(() => PinAsync(host, PortalTestHost.Alice, id, "twice"));
        Assert.Equal(RefusalCode.SnapshotPinned, again.Refusal.Code);

        await host.InScopeAsync<SnapshotService, Snapshot>(s => s.UnpinAsync(PortalTestHost.Alice, Project, Environment, id, ct));
        var notPinned = await Assert.ThrowsAsync<PortalRefusedException>(() =>
            host.InScopeAsync<SnapshotService, Snapshot>(s => s.UnpinAsync(PortalTestHost.Alice, Project, Environment, id, ct)));
        Assert.Equal(RefusalCode.SnapshotNotPinned, notPinned.Refusal.Code);
        var expire = Assert.Single(await expiry.SweepAsync(ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(expire.Id)).Result);

        var feed = await host.InScopeAsync<ActivityFeedService, ActivityPage>(s =>
            s.ListAsync(PortalTestHost.Alice, new ActivityQuery { ProjectId = Project, EnvironmentName = Environment }, ct));
        var texts = feed.Items.Select(a => (a.Type, a.Text, a.SnapshotId)).ToList();
        Assert.Contains((ActivityTypes.SnapshotPin, $"Alice pinned snapshot {id} of {Environment}: before the Black Friday release", id), texts);
        Assert.Contains((ActivityTypes.SnapshotUnpin, $"Alice unpinned snapshot {id} of {Environment} (pinned for: before the Black Friday release)", id), texts);
    }

    [Fact]
    public async Task OnlyAnAdminPinsOnlyACompleteSnapshotAndOnlyWithAOneLineReason()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 2);
        await host.StartWorkerAsync();
        var id = await SnapshotAsync(host);

        Assert.Equal(RefusalCode.MissingRole, (await Assert.ThrowsAsync<PortalRefusedException>(() => PinAsync(host, PortalTestHost.Bob, id, "mine"))).Refusal.Code);
        foreach (var reason in new[] { null, " ", "two\nlines", new string('x', SnapshotService.MaxPinReasonLength + 1) })
        {
            var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => PinAsync(host, PortalTestHost.Alice, id, reason));
            Assert.Equal(RefusalCode.InvalidInput, refused.Refusal.Code);
            Assert.StartsWith("The pin's 'reason' must", refused.Refusal.Message, StringComparison.Ordinal);
        }

        var unknown = await Assert.ThrowsAsync<PortalRefusedException>(() => PinAsync(host, PortalTestHost.Alice, "nosuchsnap", "x"));
        Assert.Equal(RefusalCode.SnapshotNotFound, unknown.Refusal.Code);
        var view = await host.InScopeAsync<SnapshotService, SnapshotView>(s => s.GetAsync(PortalTestHost.Alice, Project, Environment, id, TestContext.Current.CancellationToken));
        Assert.False(view.Snapshot.IsPinned);
    }

    /// <summary>
    /// A pin is committed to the database before it is written to the store; a kill between the two, or a store that refuses
    /// the write, leaves the store not knowing. The store here refuses (its pins folder is a file), which leaves the same state
    /// a kill there does; the next expiry turn (one runs at every start) writes the pin, and removes one an unpin left behind.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task APinTheStoreMissedIsWrittenThereByTheNextExpiryTurnAndAStalePinIsRemoved(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 2);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var engine = host.Get<ISnapshotEngine>();
        var expiry = host.Get<IEnumerable<IHostedService>>().OfType<SnapshotExpiry>().Single();
        var (missed, stale, kept) = (await SnapshotAsync(host), await SnapshotAsync(host), await SnapshotAsync(host));
        await PinAsync(host, PortalTestHost.Alice, kept, "kept in both");
        var keptInStore = (await engine.ReadPinsAsync(ct))[kept];

        var pins = Path.Combine(host.DataPath, "snapshots", "pins");
        Directory.Move(pins, pins + ".away");
        await File.WriteAllTextAsync(pins, "not a folder", ct);
        var pinned = await PinAsync(host, PortalTestHost.Alice, missed, "the store missed this one");
        // A store whose pins cannot be read now holds up nothing: the sweep still runs on the database's pins.
        Assert.Empty(await expiry.TurnAsync(ct));
        File.Delete(pins);
        Directory.Move(pins + ".away", pins);
        Assert.True(pinned.IsPinned);
        Assert.False((await engine.ReadPinsAsync(ct)).ContainsKey(missed));
        // An unpin whose store write never came: the store still holds a pin the database has not.
        await engine.SetPinAsync(stale, new StoredPin(DateTimeOffset.UtcNow, PortalTestHost.Alice.UserId, "unpinned since"), ct);

        Assert.Empty(await expiry.TurnAsync(ct));

        var inStore = await engine.ReadPinsAsync(ct);
        Assert.Equal(new[] { kept, missed }.Order(StringComparer.Ordinal), inStore.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((PortalTestHost.Alice.UserId, "the store missed this one"), (inStore[missed].By, inStore[missed].Reason));
        Assert.True((inStore[missed].At - pinned.PinnedAt!.Value).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.Equal(keptInStore, inStore[kept]);
        var again = await host.Get<StorePinSync>().RunAsync(ct);
        Assert.Equal((0, 0), (again.Written.Count, again.Removed.Count));
    }

    [Fact]
    public async Task APortalStartedAfterAPinTheStoreMissedWritesItThereAtStart()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 2);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var engine = host.Get<ISnapshotEngine>();
        var missed = await SnapshotAsync(host);

        // The state a kill between the pin's commit and its store write leaves: pinned in the database, not in the store.
        var pins = Path.Combine(host.DataPath, "snapshots", "pins");
        Directory.Move(pins, pins + ".away");
        await File.WriteAllTextAsync(pins, "not a folder", ct);
        await PinAsync(host, PortalTestHost.Alice, missed, "kept across the restart");
        File.Delete(pins);
        Directory.Move(pins + ".away", pins);
        Assert.False((await engine.ReadPinsAsync(ct)).ContainsKey(missed));

        // A real Portal process on the same data folder: its first expiry turn, at start, writes the pin.
        await using var portal = await host.StartProcessAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await engine.ReadPinsAsync(ct)).ContainsKey(missed))
        {
            Assert.True(portal.IsRunning, "Portal exited on its own:\n" + portal.Output);
            Assert.True(DateTime.UtcNow < deadline, "the started Portal did not write the pin within 60 s:\n" + portal.Output);
            await Task.Delay(100, ct);
        }

        Assert.Equal("kept across the restart", (await engine.ReadPinsAsync(ct))[missed].Reason);
    }

    private static Task<Snapshot> PinAsync(PortalTestHost host, Core.Common.Actor actor, string id, string? reason) =>
        host.InScopeAsync<SnapshotService, Snapshot>(s => s.PinAsync(actor, Project, Environment, id, reason, TestContext.Current.CancellationToken));

    private static async Task<string> SnapshotAsync(PortalTestHost host)
    {
        var ct = TestContext.Current.CancellationToken;
        var activity = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, true, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(activity.Id)).Result);
        return activity.SnapshotId!;
    }
}
