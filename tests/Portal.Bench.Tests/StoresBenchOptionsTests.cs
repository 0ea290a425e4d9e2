namespace Portal.Bench.Tests;

using static Portal.Bench.StoresRunner;

public sealed class StoresBenchOptionsTests
{
    [Fact]
    public void OnlyTheFullMountInThreeRoundsIsAFullRunAndItsSeedIsNoOtherModes()
    {
        var options = StoresBenchOptions.Parse(["stores"]);

        Assert.True(options.IsFullRun);
        Assert.False(StoresBenchOptions.Parse(["stores", "--scale", "0.1"]).IsFullRun);
        Assert.False(StoresBenchOptions.Parse(["stores", "--runs", "1"]).IsFullRun);
        Assert.DoesNotContain(options.Seed, new[]
        {
            EngineBenchOptions.Parse(["engine"]).Seed, ProductBenchOptions.Parse(["product"]).Seed, NodesBenchOptions.Parse(["nodes"]).Seed,
        });
    }

    [Fact]
    public void TheMountIsAFewHundredMegabytesOfFilesAndNoDatabase()
    {
        var shape = DataShape.Stores(StoresBenchOptions.Parse(["stores"]));

        Assert.Equal((1_200, 2_000, 0, 0), (shape.MediaFiles, shape.VarFiles, shape.RowsPerTable, shape.RedisKeys));
    }

    [Theory]
    [InlineData("--scale", "0")]
    [InlineData("--runs", "0")]
    [InlineData("--nodes", "1")]
    public void AnOptionOutOfRangeOrUnknownIsRefusedWithItsName(string option, string value)
    {
        var refusal = Assert.Throws<ArgumentException>(() => StoresBenchOptions.Parse(["stores", option, value]));

        Assert.Contains(option, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheS3StoreIsHeldToOneAndAHalfTimesTheFilesystemStoresTimeAndRatedAgainstResticOverTheSameTransport()
    {
        var samples = new Dictionary<(string, string), List<StoreSample>>();
        void Add(string side, double snapshot, double restore)
        {
            samples[(side, Snapshot)] = [new(snapshot, 1, double.NaN), new(snapshot + 5, 1, double.NaN), new(snapshot - 1, 1, double.NaN)];
            samples[(side, Restore)] = [new(restore, 1, double.NaN)];
        }

        Add(Filesystem, 4, 2);
        Add(S3, 6, 4);
        Add(S3Tls, 8, 5);
        Add(Restic, 2, 10);
        var result = new StoresResult(StoresBenchOptions.Parse(["stores"]), true, "restic 0.14.0", DataShape.Stores(StoresBenchOptions.Parse(["stores"])), 10, 400_000_000,
            samples, Sides.ToDictionary(s => s, _ => 1L), "0", "0");

        var ratios = StoresReport.Ratios(result);
        // Medians: snapshot 4 (of 3, 4, 9) against 6 (of 5, 6, 11): 1.5x, met; restore 4 against 2: 2x, not met.
        Assert.Equal([(1.5, true), (2.0, false)], ratios.Take(2).Select(r => (r.Ratio, r.Met)));
        Assert.Equal([(4.0, null), (0.5, null)], ratios.Skip(2).Take(2).Select(r => (r.Ratio, r.Met)));
        var filesystemSnapshot = StoresReport.Rows(result).Single(r => r.Side == Filesystem && r.Operation == Snapshot);
        Assert.Equal((4.0, 100.0, 1.0), (filesystemSnapshot.Seconds, filesystemSnapshot.MegabytesPerSecond, filesystemSnapshot.VersusFilesystem));
    }
}
