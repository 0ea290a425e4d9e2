namespace Portal.Engine.Tests;

/// <summary>
/// A capture's services run at once and learn their sizes when they get there: the small ones (a Redis, a tiny mount) may be
/// done before the largest mount is walked. Seen on CI as a bar at 99 % for nearly the whole snapshot.
/// </summary>
public sealed class ProgressTrackerTests
{
    [Fact]
    public void SmallServicesDoneBeforeTheLargestIsSizedDoNotShowTheCaptureNearlyDone()
    {
        var reports = new List<EngineProgress>();
        var tracker = new ProgressTracker(new MountSnapshotTests.SyncProgress(reports.Add));
        tracker.ExpectServices(3);
        var (redis, config, media) = (tracker.ForService(), tracker.ForService(), tracker.ForService());

        redis.Advance(5_000);
        tracker.Report();
        Assert.True(Shown(reports[^1]) <= 0.01, $"nothing sized yet, shown {Shown(reports[^1]):P0}");
        redis.Sized();
        config.AddTotal(1_000);
        config.Advance(1_000);
        config.Sized();
        tracker.Report();
        Assert.InRange(Shown(reports[^1]), 0.6, 2.0 / 3);

        media.AddTotal(994_000);
        tracker.Report();
        Assert.Equal(0.006, Shown(reports[^1]), 3);
        media.Advance(994_000);
        tracker.Finish("Snapshot complete");
        Assert.Equal((1_000_000, 1_000_000), (reports[^1].BytesDone, reports[^1].BytesTotal));
    }

    [Fact]
    public void ARestoreOrVerifyWithItsTotalKnownUpfrontIsShownAsIs()
    {
        var reports = new List<EngineProgress>();
        var tracker = new ProgressTracker(new MountSnapshotTests.SyncProgress(reports.Add));
        tracker.AddTotal(1_000);
        tracker.Advance(990);
        tracker.Report();
        Assert.Equal(0.99, Shown(reports[^1]), 3);
    }

    private static double Shown(EngineProgress progress) => (double)progress.BytesDone / progress.BytesTotal;
}
