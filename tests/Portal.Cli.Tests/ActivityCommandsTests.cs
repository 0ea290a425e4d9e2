namespace Portal.Cli.Tests;

using System.Text.Json;
using Portal.Cli.Tests.Support;

[Collection(CliPortalCollection.Name)]
public sealed class ActivityCommandsTests(CliPortal portal) : IDisposable
{
    private readonly TempFolder _home = new();

    [Fact]
    public async Task ActivityListFiltersByTypeAndActivityLogPrintsTheWholeLog()
    {
        var cli = portal.Cli(portal.AliceToken, _home);
        string[] where = ["-p", CliPortal.Demo, "-e", "develop-branch"];
        var created = await cli.RunAsync(_home.Path, ["snapshot:create", "--live", .. where]);
        Assert.True(created.ExitCode == 0, created.ToString());

        var listed = await cli.RunAsync(_home.Path, ["activity:list", "--type", "snapshot", "--format", "json", .. where]);

        Assert.True(listed.ExitCode == 0, listed.ToString());
        var activities = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().ToList();
        Assert.All(activities, a => Assert.Equal("environment.backup", a.GetProperty("type").GetString()));
        var newest = activities[0];
        Assert.Contains($"Snapshot name: {newest.GetProperty("snapshot_id").GetString()}", created.Output, StringComparison.Ordinal);

        var id = newest.GetProperty("id").GetString()!;
        var log = await cli.RunAsync(_home.Path, ["activity:log", id, .. where]);
        var json = await cli.RunAsync(_home.Path, ["activity:log", id, "--format", "json", .. where]);

        Assert.True(log.ExitCode == 0, log.ToString());
        var expected = JsonDocument.Parse(json.Output).RootElement.GetProperty("log").GetString();
        Assert.False(string.IsNullOrWhiteSpace(expected));
        Assert.Equal(expected, log.Output);
    }

    [Fact]
    public async Task CancelEndsAWaitingActivityAndLogFollowsTheRunningOneToItsEnd()
    {
        var cli = portal.Cli(portal.AliceToken, _home);
        string[] where = ["-p", CliPortal.Declared, "-e", "slow"];
        var first = await cli.RunAsync(_home.Path, ["snapshot:create", "--no-wait", .. where]);
        var second = await cli.RunAsync(_home.Path, ["snapshot:create", "--no-wait", .. where]);
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, $"{first}\n{second}");
        var listed = await cli.RunAsync(_home.Path, ["activity:list", "--type", "snapshot", "--format", "json", .. where]);
        var activities = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().ToList();
        var (waiting, running) = (activities[0], activities[1]);
        Assert.Equal("pending", waiting.GetProperty("state").GetString()); // the first one sleeps 8 s in its pre-snapshot command

        var cancelled = await cli.RunAsync(_home.Path, ["activity:cancel", waiting.GetProperty("id").GetString()!, .. where]);
        var followed = await cli.RunAsync(_home.Path, ["activity:log", running.GetProperty("id").GetString()!, .. where]);

        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        Assert.Contains($"Cancelled activity {waiting.GetProperty("id").GetString()}.", cancelled.Error, StringComparison.Ordinal);
        Assert.True(followed.ExitCode == 0, followed.ToString());
        Assert.Contains("pre-snapshot command: sleep 8", followed.Output, StringComparison.Ordinal);
        Assert.Contains($"Activity {running.GetProperty("id").GetString()}: complete, success", followed.Error, StringComparison.Ordinal);
        var after = await cli.RunAsync(_home.Path, ["activity:list", "--type", "snapshot", "--format", "csv", .. where]);
        Assert.Contains($"{waiting.GetProperty("id").GetString()},", after.Output, StringComparison.Ordinal);
        Assert.Matches($"{waiting.GetProperty("id").GetString()},.*,cancelled,", after.Output);
    }

    public void Dispose() => _home.Dispose();
}
