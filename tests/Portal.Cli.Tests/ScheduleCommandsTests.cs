namespace Portal.Cli.Tests;

using System.Text.Json;
using Portal.Cli.Tests.Support;

[Collection(CliPortalCollection.Name)]
public sealed class ScheduleCommandsTests(CliPortal portal) : IDisposable
{
    private readonly TempFolder _home = new();

    [Fact]
    public async Task ScheduleSetShowsTheNextRunsGetReadsItBackAsJsonAndRemoveTakesItAway()
    {
        _home.WriteProjectSettings($"id: {CliPortal.Demo}\n");
        var cli = portal.Cli(portal.AliceToken, _home);

        var set = await cli.RunAsync(_home.Path, "schedule:set", "0 1 * * 0", "--live", "-e", "staging");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("Schedule of staging: 0 1 * * 0 (UTC), live snapshots", set.Output, StringComparison.Ordinal);

        var get = await cli.RunAsync(_home.Path, "schedule:get", "-e", "staging", "--format", "json");
        Assert.True(get.ExitCode == 0, get.ToString());
        var schedule = JsonDocument.Parse(get.Output).RootElement;
        Assert.Equal("0 1 * * 0", schedule.GetProperty("cron").GetString());
        Assert.All(schedule.GetProperty("next_runs").EnumerateArray(), r => Assert.Equal(DayOfWeek.Sunday, r.GetDateTimeOffset().DayOfWeek));

        var removed = await cli.RunAsync(_home.Path, "schedule:remove", "-e", "staging");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal("staging has no schedule.", removed.Output.Trim());
    }

    [Fact]
    public async Task ABadExpressionFailsWithTheReasonAndAViewerIsRefused()
    {
        _home.WriteProjectSettings($"id: {CliPortal.Demo}\n");

        var bad = await portal.Cli(portal.AliceToken, _home).RunAsync(_home.Path, "schedule:set", "0 2 * *", "-e", "integration");
        var viewer = await portal.Cli(portal.CarolToken, _home).RunAsync(_home.Path, "schedule:set", "0 2 * * *", "-e", "integration");

        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("needs five fields: minute hour day-of-month month day-of-week", bad.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, viewer.ExitCode);
        Assert.Contains("You need the Admin role on development environments to schedule snapshots", viewer.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
