namespace Portal.Core.Tests.Snapshots;

using Portal.Core.Snapshots;

public sealed class SnapshotOptionsValidatorTests
{
    [Fact]
    public void TheDefaultsKeepTodaysSevenDayWindowForManualSnapshotsWithNoLimitAndBucketsForAutomatedOnes()
    {
        var options = new SnapshotOptions();

        Assert.True(new SnapshotOptionsValidator().Validate(null, options).Succeeded);
        var policy = options.Retention.Development;
        Assert.Equal((null, 0, 24, 7, 4, 3), (policy.ManualDays, policy.ManualMax, policy.Hourly, policy.Daily, policy.Weekly, policy.Monthly));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(7), options.ExpiresAt(Portal.Core.Environments.EnvironmentType.Production, DateTimeOffset.UnixEpoch, automated: false));
    }

    [Fact]
    public void APolicyOutOfRangeOrKeepingNoAutomatedSnapshotIsRefusedByItsSettingName()
    {
        var options = new SnapshotOptions();
        options.Retention.Staging.ManualMax = -1;
        options.Retention.Production.ManualDays = 0;
        options.Retention.Development = new RetentionPolicy { Hourly = 0, Daily = 0, Weekly = 0, Monthly = 0 };

        var result = new SnapshotOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Snapshots:Retention:staging:ManualMax must be between 0 and 1000 (got -1)", result.Failures!);
        Assert.Contains("Snapshots:Retention:production:ManualDays must be between 1 and 365 (got 0)", result.Failures!);
        Assert.Contains(result.Failures!, f => f.StartsWith("Snapshots:Retention:development:{Hourly,Daily,Weekly,Monthly} must keep at least one", StringComparison.Ordinal));
    }
}
