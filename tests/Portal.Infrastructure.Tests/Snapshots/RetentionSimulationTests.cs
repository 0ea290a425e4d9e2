namespace Portal.Infrastructure.Tests.Snapshots;

using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Snapshots;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>
/// Ninety days of a schedule (a snapshot every 12 hours) and of people's snapshots (every two days) on the real engine and
/// store, swept after each: the kept set is computed here by a second, simpler reading of the policy, not by Portal's.
/// </summary>
public sealed partial class RetentionSimulationTests
{
    private const string Project = "demo-shop";
    private const string Environment = "develop-branch";
    private const int ManualMax = 2;
    private const int ManualDays = 7;
    private const int Monthly = 2;

    private static readonly (int Count, Func<DateTime, string> Period)[] Buckets =
    [
        (2, t => t.ToString("yyyy-MM-dd HH", CultureInfo.InvariantCulture)),
        (3, t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        (2, t => $"{ISOWeek.GetYear(t)}-W{ISOWeek.GetWeekOfYear(t)}"),
        (Monthly, t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture)),
    ];

    [Fact]
    public async Task OverNinetySimulatedDaysThePolicyKeepsExactlyWhatItSaysTheStoreShrinksByWhatWasFreedAndPinnedSnapshotsSurvive()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(6));
        await using var host = await PortalTestHost.StartAsync(time: time, mediaFiles: 2, settings: new Dictionary<string, string?>
        {
            ["Snapshots:Retention:development:ManualDays"] = $"{ManualDays}",
            ["Snapshots:Retention:development:ManualMax"] = $"{ManualMax}",
            ["Snapshots:Retention:development:Hourly"] = $"{Buckets[0].Count}",
            ["Snapshots:Retention:development:Daily"] = $"{Buckets[1].Count}",
            ["Snapshots:Retention:development:Weekly"] = $"{Buckets[2].Count}",
            ["Snapshots:Retention:development:Monthly"] = $"{Monthly}",
        });
        await host.StartWorkerAsync();
        var engine = host.Get<ISnapshotEngine>();
        var expiry = host.Get<IEnumerable<IHostedService>>().OfType<SnapshotExpiry>().Single();
        var changing = Path.Combine(host.DemoRoot(Environment), "var", "log", "retention.log");
        var pool = new List<Taken>();
        long freedInAll = 0;

        for (var step = 0; step < 180; step++)
        {
            // Each snapshot holds one object of its own, so letting it go frees more than its manifest.
            await File.WriteAllTextAsync(changing, $"step {step} {Guid.NewGuid()}", ct);
            pool.Add(await TakeAsync(host, automated: true));
            if (step % 4 == 1)
            {
                pool.Add(await TakeAsync(host, automated: false));
            }

            if (step is 3 or 21)
            {
                var pinned = pool[^1];
                await host.InScopeAsync<SnapshotService, Snapshot>(s => s.PinAsync(PortalTestHost.Alice, Project, Environment, pinned.Id, "kept for the audit", ct));
                pool[^1] = pinned with { Pinned = true };
            }

            freedInAll += await SweepAndCheckAsync(host, expiry, engine, pool, time.GetUtcNow());
            time.Advance(TimeSpan.FromHours(12));
        }

        Assert.True(freedInAll > 0);
        var survivors = await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(PortalTestHost.Alice, Project, Environment, ct));
        var pinnedViews = survivors.Where(v => v.Snapshot.IsPinned).ToList();
        Assert.Equal(2, pinnedViews.Count);
        Assert.All(pinnedViews, v =>
        {
            Assert.True(time.GetUtcNow() > v.Snapshot.ExpiresAt, "pinned past its window");
            Assert.True(v.Restorable, "a pinned snapshot stays restorable");
            Assert.Equal("kept for the audit", v.Snapshot.PinReason);
        });
        foreach (var view in pinnedViews)
        {
            await engine.VerifyAsync(view.Snapshot.Id, ct);
        }

        // Unpinned, the manual one is past its window and goes at the next sweep.
        var manual = Assert.Single(pinnedViews, v => !v.Snapshot.Automated).Snapshot.Id;
        await host.InScopeAsync<SnapshotService, Snapshot>(s => s.UnpinAsync(PortalTestHost.Alice, Project, Environment, manual, ct));
        var index = pool.FindIndex(t => t.Id == manual);
        pool[index] = pool[index] with { Pinned = false };
        await SweepAndCheckAsync(host, expiry, engine, pool, time.GetUtcNow());
        Assert.DoesNotContain(pool, t => t.Id == manual);
    }

    /// <summary>Sweeps, waits for its deletes, and checks the kept set and the store's size; returns the bytes freed.</summary>
    private static async Task<long> SweepAndCheckAsync(PortalTestHost host, SnapshotExpiry expiry, ISnapshotEngine engine, List<Taken> pool, DateTimeOffset now)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await engine.MeasureStoreAsync(ct);
        long freed = 0;
        foreach (var delete in await expiry.SweepAsync(ct))
        {
            var done = await host.WaitForCompletionAsync(delete.Id);
            Assert.Equal(ActivityResult.Success, done.Result);
            var bytes = long.Parse(FreedBytes().Match(done.Log).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(bytes > 0, $"expiring {delete.SnapshotId} freed nothing");
            freed += bytes;
        }

        Assert.Equal(before - freed, await engine.MeasureStoreAsync(ct));
        var expected = ExpectedKept(pool, now);
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        var created = await db.Snapshots.AsNoTracking().Where(s => s.EnvironmentName == Environment && s.Status == SnapshotStatus.Created)
            .Select(s => s.Id).ToListAsync(ct);
        Assert.Equal(expected.Order(StringComparer.Ordinal), created.Order(StringComparer.Ordinal));
        foreach (var gone in pool.Where(t => !expected.Contains(t.Id)))
        {
            Assert.False(await engine.HasManifestAsync(gone.Id, ct));
        }

        pool.RemoveAll(t => !expected.Contains(t.Id));
        return freed;
    }

    /// <summary>
    /// The policy read plainly: pinned ones stay; of the rest within their window, the newest manual ones up to the maximum, and
    /// for each bucket the newest automated snapshot of each of its most recent periods (UTC) that have one.
    /// </summary>
    private static HashSet<string> ExpectedKept(List<Taken> pool, DateTimeOffset now)
    {
        var kept = pool.Where(t => t.Pinned).Select(t => t.Id).ToHashSet();
        var open = pool.Where(t => !t.Pinned && now < t.ExpiresAt).ToList();
        kept.UnionWith(open.Where(t => !t.Automated).OrderByDescending(t => t.CreatedAt).Take(ManualMax).Select(t => t.Id));
        foreach (var (count, period) in Buckets)
        {
            kept.UnionWith(open.Where(t => t.Automated)
                .GroupBy(t => period(t.CreatedAt.UtcDateTime))
                .Select(g => g.MaxBy(t => t.CreatedAt)!)
                .OrderByDescending(t => t.CreatedAt)
                .Take(count)
                .Select(t => t.Id));
        }

        return kept;
    }

    private static async Task<Taken> TakeAsync(PortalTestHost host, bool automated)
    {
        var ct = TestContext.Current.CancellationToken;
        var activity = await host.InScopeAsync<SnapshotService, Activity>(s => automated
            ? s.CreateScheduledAsync(Project, Environment, live: true, ct)
            : s.CreateAsync(PortalTestHost.Alice, Project, Environment, live: true, ct));
        Assert.Equal(ActivityResult.Success, (await host.WaitForCompletionAsync(activity.Id)).Result);
        var snapshot = await host.InScopeAsync<SnapshotService, SnapshotView>(s => s.GetAsync(PortalTestHost.Alice, Project, Environment, activity.SnapshotId!, ct));
        var taken = new Taken(snapshot.Snapshot.Id, snapshot.Snapshot.CreatedAt, automated, false,
            automated ? snapshot.Snapshot.CreatedAt.AddMonths(Monthly) : snapshot.Snapshot.CreatedAt.AddDays(ManualDays));
        Assert.Equal(taken.ExpiresAt, snapshot.Snapshot.ExpiresAt);
        return taken;
    }

    [GeneratedRegex(@"freed [^\n]+ in the snapshot store \(([0-9]+) bytes\)")]
    private static partial Regex FreedBytes();

    private sealed record Taken(string Id, DateTimeOffset CreatedAt, bool Automated, bool Pinned, DateTimeOffset ExpiresAt);
}
