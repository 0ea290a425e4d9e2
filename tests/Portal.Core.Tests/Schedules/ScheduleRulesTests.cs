namespace Portal.Core.Tests.Schedules;

using Portal.Core.Schedules;

public sealed class ScheduleRulesTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ARunIsSaidInWordsInTheProjectsZoneWithItsOffsetAndHowSoon()
    {
        Assert.Equal("Friday 4 December 2026 at 02:00 (UTC+01:00), in 16 hours",
            ScheduleRules.InWords(new DateTimeOffset(2026, 12, 4, 1, 0, 0, TimeSpan.Zero), Berlin, Now));
        Assert.Equal("Thursday 3 December 2026 at 09:20 (UTC), in 20 minutes",
            ScheduleRules.InWords(Now.AddMinutes(20), TimeZoneInfo.Utc, Now));
        Assert.Equal("Saturday 12 December 2026 at 09:00 (UTC), in 9 days",
            ScheduleRules.InWords(Now.AddDays(9), TimeZoneInfo.Utc, Now));
    }

    [Theory]
    [InlineData("0 2 * * *", 1)]
    [InlineData("0 */6 * * *", 4)]
    [InlineData("30 1 * * 1-5", 1)]
    public void RunsDueInADayAreCountedAndTheNewestNamed(string cron, int expected)
    {
        var parsed = ScheduleRules.Parse(cron).Cron!;
        var (count, newest) = ScheduleRules.Due(parsed, TimeZoneInfo.Utc, Now.AddDays(-1), Now);
        Assert.Equal(expected, count);
        Assert.True(newest <= Now && newest > Now.AddDays(-1));
        Assert.Equal((0, null), ScheduleRules.Due(parsed, TimeZoneInfo.Utc, Now, Now));
    }

    [Theory]
    [InlineData("* * * * *", "fires every 1 minute")]
    [InlineData("0,30 * * * *", "fires every 30 minutes")]
    [InlineData("0 0 31 2 *", "never fires")]
    [InlineData("0 2 * * * *", "needs five fields")]
    [InlineData("0 2 * * \u0007", "printable characters")]
    public void AnExpressionThatCannotBeAScheduleIsRefusedWithTheReason(string cron, string reason)
    {
        var (expression, problem) = ScheduleRules.Check(cron, Berlin, Now);
        Assert.Null(expression);
        Assert.Contains(reason, problem!.Message, StringComparison.Ordinal);
        Assert.Equal(Common.RefusalCode.InvalidInput, problem.Code);
    }
}
