namespace Portal.Core.Tests.Snapshots;

using Portal.Core.Snapshots;

public sealed class SnapshotRetentionTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    private static Snapshot Snapshot(string id, DateTimeOffset created, bool automated = false, bool pinned = false, bool safety = false,
        SnapshotStatus status = SnapshotStatus.Created, int days = 7) => new()
    {
        Id = id,
        ProjectId = "p",
        EnvironmentName = "develop-branch",
        Status = status,
        CreatedAt = created,
        ExpiresAt = created.AddDays(days),
        CreatedBy = "alice",
        ActivityId = "act-" + id,
        Automated = automated,
        IsSafetySnapshot = safety,
        PinnedAt = pinned ? created : null,
        PinReason = pinned ? "audit" : null,
    };

    private static List<string> LetGo(IEnumerable<Snapshot> snapshots, RetentionPolicy policy, DateTimeOffset now) =>
        [.. SnapshotRetention.ToLetGo(snapshots, policy, now).Select(d => d.Snapshot.Id)];

    [Fact]
    public void ManualSnapshotsBeyondTheMaximumGoOldestFirstWhilePinnedAndSafetySnapshotsAreNotCounted()
    {
        var snapshots = new[]
        {
            Snapshot("m1", Start), Snapshot("pin", Start.AddHours(1), pinned: true), Snapshot("m2", Start.AddHours(2)),
            Snapshot("safe", Start.AddHours(3), safety: true), Snapshot("m3", Start.AddHours(4)), Snapshot("m4", Start.AddHours(5)),
        };

        var decisions = SnapshotRetention.ToLetGo(snapshots, new RetentionPolicy { ManualMax = 2 }, Start.AddHours(6));

        Assert.Equal(["m1", "m2"], decisions.Select(d => d.Snapshot.Id));
        Assert.All(decisions, d => Assert.Equal(RetentionReason.OverManualMax, d.Reason));
    }

    [Fact]
    public void SnapshotsPastTheirWindowGoUnlessPinnedAndNothingUnfinishedIsEverTouched()
    {
        var snapshots = new[]
        {
            Snapshot("old", Start), Snapshot("pinned-old", Start, pinned: true), Snapshot("creating", Start, status: SnapshotStatus.Creating),
            Snapshot("failed", Start, status: SnapshotStatus.Failed), Snapshot("fresh", Start.AddDays(5)),
        };

        var decisions = SnapshotRetention.ToLetGo(snapshots, new RetentionPolicy(), Start.AddDays(7));

        var only = Assert.Single(decisions);
        Assert.Equal(("old", RetentionReason.Expired), (only.Snapshot.Id, only.Reason));
    }

    [Fact]
    public void AutomatedSnapshotsKeepTheNewestOfEachOfTheLastPeriodsThatHaveOneAsResticDoes()
    {
        // Hourly snapshots for three UTC days, then a pause: 3 hourly and 2 daily keep the last three hours and the newest of day 2.
        var snapshots = Enumerable.Range(0, 72).Select(h => Snapshot($"h{h:00}", Start.AddHours(h), automated: true, days: 90)).ToList();
        var policy = new RetentionPolicy { Hourly = 3, Daily = 2, Weekly = 0, Monthly = 0 };

        var kept = snapshots.Select(s => s.Id).Except(LetGo(snapshots, policy, Start.AddDays(20))).ToList();

        Assert.Equal(["h47", "h69", "h70", "h71"], kept);
    }

    [Fact]
    public void WeeklyBucketsFollowIsoWeeksAndMonthlyBucketsCalendarMonthsInUtc()
    {
        // 2026-11-29 is a Sunday (ISO week 48); late is Monday 2026-11-30 22:30 UTC (week 49, still November), though December where it was taken.
        var sunday = Snapshot("sun", new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero), automated: true, days: 90);
        var late = Snapshot("late", new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.FromHours(2)), automated: true, days: 90);
        var december = Snapshot("dec", new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), automated: true, days: 90);
        var now = december.CreatedAt.AddDays(1);

        Assert.Equal(["late"], LetGo([sunday, late, december], new RetentionPolicy { Hourly = 0, Daily = 0, Weekly = 2, Monthly = 0 }, now));
        Assert.Equal(["sun"], LetGo([sunday, late, december], new RetentionPolicy { Hourly = 0, Daily = 0, Weekly = 0, Monthly = 2 }, now));
        Assert.Equal(["sun", "late"], LetGo([sunday, late, december], new RetentionPolicy { Hourly = 0, Daily = 0, Weekly = 0, Monthly = 1 }, now));
    }

    [Fact]
    public void ANewManualSnapshotAtTheMaximumNamesTheOldestItWouldPushOut()
    {
        var snapshots = new[]
        {
            Snapshot("m1", Start), Snapshot("m2", Start.AddHours(1)), Snapshot("auto", Start.AddHours(2), automated: true),
            Snapshot("pin", Start.AddHours(3), pinned: true), Snapshot("m3", Start.AddHours(4), status: SnapshotStatus.Creating),
        };

        Assert.Equal(["m1", "m2"], SnapshotRetention.RotatedOutByNewManual(snapshots, new RetentionPolicy { ManualMax = 2 }).Select(s => s.Id));
        Assert.Equal(["m1"], SnapshotRetention.RotatedOutByNewManual(snapshots, new RetentionPolicy { ManualMax = 3 }).Select(s => s.Id));
        Assert.Empty(SnapshotRetention.RotatedOutByNewManual(snapshots, new RetentionPolicy { ManualMax = 4 }));
        Assert.Empty(SnapshotRetention.RotatedOutByNewManual(snapshots, new RetentionPolicy()));
    }

    [Fact]
    public void ManualSnapshotsKeepTheConfiguredDaysAndAutomatedOnesTheirLongestBucket()
    {
        Assert.Equal(Start.AddDays(7), new RetentionPolicy().ExpiresAt(Start, automated: false, defaultManualDays: 7));
        Assert.Equal(Start.AddDays(3), new RetentionPolicy { ManualDays = 3 }.ExpiresAt(Start, automated: false, defaultManualDays: 7));
        Assert.Equal(Start.AddMonths(3), new RetentionPolicy().ExpiresAt(Start, automated: true, defaultManualDays: 7));
        Assert.Equal(Start.AddDays(14), new RetentionPolicy { Monthly = 0, Weekly = 2 }.ExpiresAt(Start, automated: true, defaultManualDays: 7));
    }
}
