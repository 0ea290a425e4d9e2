namespace Portal.Infrastructure.Tests.Snapshots;

using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Snapshots;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>The verify activity against the real engine and filesystem store, and the sweep that queues it.</summary>
public sealed class SnapshotVerifyTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_clean_snapshot_verifies_and_stays_restorable_saying_when(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 5);
        await host.StartWorkerAsync();
        var snapshotId = await SnapshotAsync(host);
        var before = DateTimeOffset.UtcNow;

        var verify = await VerifyAsync(host, snapshotId);

        Assert.Equal(ActivityResult.Success, verify.Result);
        Assert.Equal(100, verify.CompletionPercent);
        Assert.Contains($"snapshot {snapshotId} verified: every object matches its hash", verify.Log, StringComparison.Ordinal);
        var view = await ViewAsync(host, snapshotId);
        Assert.True(view.Restorable);
        Assert.Null(view.Snapshot.VerifyFailure);
        Assert.InRange(view.Snapshot.VerifiedAt!.Value, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_corrupted_object_is_caught_and_the_snapshot_is_no_longer_restorable_with_the_reason(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 5);
        var ct = TestContext.Current.CancellationToken;
        await host.StartWorkerAsync();
        var content = $"a log line only this test writes {Guid.NewGuid()}\n";
        await File.WriteAllTextAsync(Path.Combine(host.DemoRoot(Environment), "var", "log", "verify-me.log"), content, ct);
        var snapshotId = await SnapshotAsync(host);
        var hash = FlipLastByteOfObject(host, content);

        var verify = await VerifyAsync(host, snapshotId);

        Assert.Equal(ActivityResult.Failure, verify.Result);
        Assert.Contains(hash, verify.Reason, StringComparison.Ordinal);
        Assert.Contains("verify-me.log", verify.Reason, StringComparison.Ordinal);
        var view = await ViewAsync(host, snapshotId);
        Assert.False(view.Restorable);
        Assert.Equal(RefusalCode.SnapshotCorrupt, view.NotRestorable!.Code);
        Assert.Equal(verify.Reason, view.Snapshot.VerifyFailure);
        Assert.EndsWith($"cannot be restored: {verify.Reason}", view.NotRestorable.Message, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<SnapshotService, Activity>(
            s => s.RestoreAsync(PortalTestHost.Alice, Project, Environment, snapshotId, new RestoreOptions(), ct)));
        Assert.Equal(view.NotRestorable, refused.Refusal);
    }

    [Fact]
    public async Task A_verify_killed_midway_changes_nothing_and_is_failed_as_interrupted_at_the_next_start()
    {
        await using var host = await PortalTestHost.StartAsync(mediaFiles: 5);
        var ct = TestContext.Current.CancellationToken;

        host.WriteBulkMedia(Environment, files: 40, seed: 11);

        await host.StartWorkerAsync();
        var snapshotId = await SnapshotAsync(host);
        await host.StopWorkerAsync();
        var objects = StoreListing(host);

        // One stored object is swapped for a FIFO, whose open blocks like a disk that stopped answering: the verify is certainly
        // still running when the kill lands, on any machine (data sized to outlast the kill did not: a fast machine read 1.2 GB first).
        var photo = File.ReadAllBytes(Path.Combine(host.DemoRoot(Environment), "pub", "media", "bulk", "photo-000.jpg"));
        var hash = Convert.ToHexStringLower(SHA256.HashData(photo));
        var held = Path.Combine(host.DataPath, "snapshots", "objects", hash[..2], hash[2..]);
        File.Move(held, held + ".aside");
        MakeFifo(held);

        Activity killed;
        await using (var portal = await host.StartProcessAsync())
        {
            killed = await host.InScopeAsync<SnapshotService, Activity>(s => s.VerifyAsync(PortalTestHost.Alice, Project, Environment, snapshotId, ct));
            await host.WaitUntilRunningAsync(portal, killed.Id, 0);
            // Not needed for the outcome (the held object keeps it running): lets it read the other objects first, as a kill mid-way would find it.
            await Task.Delay(500, ct);
            await portal.KillAsync();
        }

        File.Delete(held);
        File.Move(held + ".aside", held);
        Assert.Equal(ActivityState.InProgress, (await host.ReadActivityAsync(killed.Id)).State);
        var atKill = await ViewAsync(host, snapshotId);
        Assert.Equal((null, null), (atKill.Snapshot.VerifiedAt, atKill.Snapshot.VerifyFailure));

        await host.StartWorkerAsync();

        // The worker recovers interrupted work as it starts, in the background.
        var interrupted = await host.WaitForCompletionAsync(killed.Id);
        Assert.Equal((ActivityState.Complete, ActivityResult.Failure), (interrupted.State, interrupted.Result));
        Assert.Equal(ActivityWorker.InterruptedReason, interrupted.Reason);
        var after = await ViewAsync(host, snapshotId);
        Assert.True(after.Restorable);
        Assert.Equal((null, null), (after.Snapshot.VerifiedAt, after.Snapshot.VerifyFailure));
        Assert.Equal(objects, StoreListing(host));
        var environment = await host.InScopeAsync<EnvironmentDirectory, EnvironmentView>(d => d.GetAsync(PortalTestHost.Alice, Project, Environment, ct));
        Assert.Equal(EnvironmentStatus.Active, environment.Environment.Status);

        // The snapshot is whole: the next verify passes.
        Assert.Equal(ActivityResult.Success, (await VerifyAsync(host, snapshotId)).Result);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_sweep_queues_a_verify_of_each_environments_newest_restorable_snapshot_once_it_is_due(string provider)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 1, settings: new Dictionary<string, string?>
        {
            ["Snapshots:VerifyEvery"] = "1.00:00:00",
        });
        var ct = TestContext.Current.CancellationToken;
        var sweep = host.Get<IEnumerable<IHostedService>>().OfType<SnapshotVerifySweep>().Single();
        var now = time.GetUtcNow();
        var older = await AddSnapshotAsync(host, Environment, now.AddHours(-5));
        var newest = await AddSnapshotAsync(host, Environment, now.AddHours(-1));
        await AddSnapshotAsync(host, Environment, now.AddMinutes(-30), s => s.Status = SnapshotStatus.Failed);
        var damaged = await AddSnapshotAsync(host, "staging", now.AddHours(-1), s => s.VerifyFailure = "Snapshot object 00 (var:x) is missing from the store.");
        var stagingNext = await AddSnapshotAsync(host, "staging", now.AddHours(-2));

        var queued = await sweep.SweepAsync(ct);

        // The newest snapshot that could be restored on each environment; the damaged one is already known not to be.
        string[] expected = [.. new[] { newest.Id, stagingNext.Id }.Order(StringComparer.Ordinal)];
        Assert.Equal(expected, queued.Order(StringComparer.Ordinal), StringComparer.Ordinal);
        var verifies = await VerifyActivitiesAsync(host);
        Assert.All(verifies, a => Assert.Equal((ActivityState.Pending, Actor.System.UserId), (a.State, a.InitiatedBy)));
        Assert.Contains(verifies, a => a.Text == $"Portal ran the periodic verify of snapshot {newest.Id} of {Environment}");
        Assert.DoesNotContain(verifies, a => a.SnapshotId == older.Id || a.SnapshotId == damaged.Id);

        // Not again while one waits (nor an older one instead); not again once verified, until VerifyEvery has passed.
        Assert.Empty(await sweep.SweepAsync(ct));
        await FinishVerifiesAsync(host, time.GetUtcNow());
        time.Advance(TimeSpan.FromHours(23));
        Assert.Empty(await sweep.SweepAsync(ct));
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(expected, (await sweep.SweepAsync(ct)).Order(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    private static async Task<string> SnapshotAsync(PortalTestHost host)
    {
        var ct = TestContext.Current.CancellationToken;
        var activity = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, Project, Environment, false, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(activity.Id, TimeSpan.FromMinutes(3))).Result);
        return activity.SnapshotId!;
    }

    private static async Task<Activity> VerifyAsync(PortalTestHost host, string snapshotId)
    {
        var ct = TestContext.Current.CancellationToken;
        var activity = await host.InScopeAsync<SnapshotService, Activity>(s => s.VerifyAsync(PortalTestHost.Alice, Project, Environment, snapshotId, ct));
        Assert.Equal(ActivityTypes.SnapshotVerify, activity.Type);
        return await host.WaitForCompletionAsync(activity.Id, TimeSpan.FromMinutes(2));
    }

    private static Task<SnapshotView> ViewAsync(PortalTestHost host, string snapshotId) =>
        host.InScopeAsync<SnapshotService, SnapshotView>(s => s.GetAsync(PortalTestHost.Alice, Project, Environment, snapshotId, TestContext.Current.CancellationToken));

    /// <summary>Damages the stored object of a small file (its last byte is content: a tiny file is stored as a raw zstd block); returns its hash.</summary>
    private static string FlipLastByteOfObject(PortalTestHost host, string content)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        var path = Path.Combine(host.DataPath, "snapshots", "objects", hash[..2], hash[2..]);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        return hash;
    }

    /// <summary>Every file of the store with its size and last write, to prove a verify wrote nothing.</summary>
    private static void MakeFifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private static List<string> StoreListing(PortalTestHost host)
    {
        var store = Path.Combine(host.DataPath, "snapshots");
        return [.. Directory.EnumerateFiles(Path.Combine(store, "objects"), "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(store, "manifests"), "*", SearchOption.AllDirectories))
            .Select(f => new FileInfo(f))
            .Select(f => $"{Path.GetRelativePath(store, f.FullName)} {f.Length} {f.LastWriteTimeUtc.Ticks}")
            .Order(StringComparer.Ordinal)];
    }

    private static async Task<Snapshot> AddSnapshotAsync(PortalTestHost host, string environmentName, DateTimeOffset createdAt, Action<Snapshot>? change = null)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        var environment = await db.Environments.SingleAsync(e => e.ProjectId == Project && e.Name == environmentName, ct);
        var snapshot = TestSnapshots.Created(environment, createdAt, PortalTestHost.Alice.UserId);
        change?.Invoke(snapshot);
        db.Snapshots.Add(snapshot);
        await db.SaveChangesAsync(ct);
        return snapshot;
    }

    private static async Task<List<Activity>> VerifyActivitiesAsync(PortalTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.Activities.AsNoTracking().Where(a => a.Type == ActivityTypes.SnapshotVerify).ToListAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>What the worker leaves when the queued verifies pass.</summary>
    private static async Task FinishVerifiesAsync(PortalTestHost host, DateTimeOffset at)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        var ids = await db.Activities.Where(a => a.Type == ActivityTypes.SnapshotVerify).Select(a => a.SnapshotId).ToListAsync(ct);
        await db.Activities.Where(a => a.Type == ActivityTypes.SnapshotVerify).ExecuteUpdateAsync(set => set
            .SetProperty(a => a.State, ActivityState.Complete).SetProperty(a => a.Result, ActivityResult.Success), ct);
        await db.Snapshots.Where(s => ids.Contains(s.Id)).ExecuteUpdateAsync(set => set.SetProperty(s => s.VerifiedAt, at), ct);
    }
}
