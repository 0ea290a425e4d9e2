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

public sealed class SnapshotExpiryTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ExpiredSnapshotsLeaveTheStoreButStayListedAsExpiredWhileNewerOnesKeepSharedData(string provider)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 3);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var engine = host.Get<ISnapshotEngine>();
        var expiry = host.Get<IEnumerable<IHostedService>>().OfType<SnapshotExpiry>().Single();

        var old = await SnapshotAsync(host);
        time.Advance(TimeSpan.FromDays(3));
        File.WriteAllText(Path.Combine(host.DemoRoot(Environment), "var", "log", "day3.log"), "written on day 3");
        var recent = await SnapshotAsync(host);
        time.Advance(TimeSpan.FromDays(4).Add(TimeSpan.FromMinutes(1)));

        var deletes = await expiry.SweepAsync(ct);

        // Expiry is a delete activity by Portal in the environment's feed, saying why and how much it freed.
        var delete = Assert.Single(deletes);
        Assert.Equal((ActivityTypes.SnapshotDelete, old, "portal"), (delete.Type, delete.SnapshotId, delete.InitiatedBy));
        Assert.StartsWith($"Portal expired snapshot {old} of {Environment}: its restore window ended on ", delete.Text, StringComparison.Ordinal);
        var done = await host.WaitForCompletionAsync(delete.Id);
        Assert.Equal(ActivityResult.Success, done.Result);
        Assert.Matches(@"freed [^\n]+ in the snapshot store \([1-9][0-9]* bytes\)", done.Log);

        Assert.False(await engine.HasManifestAsync(old, TestContext.Current.CancellationToken));
        Assert.True(await engine.HasManifestAsync(recent, TestContext.Current.CancellationToken));
        // Objects the expired snapshot shared with the recent one are still there, byte for byte.
        await engine.VerifyAsync(recent, ct);
        var listed = await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(PortalTestHost.Alice, Project, Environment, ct));
        var expired = Assert.Single(listed, s => s.Snapshot.Id == old);
        Assert.Equal(SnapshotStatus.Expired, expired.Snapshot.Status);
        Assert.Equal(RefusalCode.SnapshotExpired, expired.NotRestorable?.Code);
        Assert.True(Assert.Single(listed, s => s.Snapshot.Id == recent).Restorable);

        Assert.Empty(await expiry.SweepAsync(ct));
    }

    private static async Task<string> SnapshotAsync(PortalTestHost host)
    {
        var ct = TestContext.Current.CancellationToken;
        var activity = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(activity.Id)).Result);
        return activity.SnapshotId!;
    }
}
