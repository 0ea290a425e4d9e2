namespace Portal.Cli.Tests;

using System.Text.Json;
using Portal.Cli.Tests.Support;

/// <summary>alert:list and alert:dismiss against a real Portal, on the alert its background job raises for a snapshot that really failed.</summary>
[Collection(CliPortalCollection.Name)]
public sealed class AlertCommandsTests(CliPortal portal) : IDisposable
{
    private const string Environment = "develop-branch";
    private readonly TempFolder _home = new();

    [Fact]
    public async Task AFailedSnapshotsAlertIsListedThenAViewersDismissIsRefusedAndAnAdminsRemovesIt()
    {
        _home.WriteProjectSettings($"id: {CliPortal.Demo}\n");
        var alice = portal.Cli(portal.AliceToken, _home);
        var carol = portal.Cli(portal.CarolToken, _home);
        var activity = await FailASnapshotAsync(alice);

        var alert = await AlertOfAsync(carol, activity);
        var id = alert.GetProperty("id").GetString()!;
        Assert.Equal("activity.failed", alert.GetProperty("event").GetString());
        Assert.StartsWith($"The snapshot of {Environment} (", alert.GetProperty("message").GetString(), StringComparison.Ordinal);

        var table = await carol.RunAsync(_home.Path, "alert:list", "-e", Environment);

        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Output.TrimEnd().Split('\n');
        Assert.Equal($"Open alerts on the project Demo shop (demo-shop), environment {Environment} (type: development):", lines[0]);
        Assert.Matches(@"^\| Raised +\| Alert ID +\| Event +\| Message +\|$", lines[2]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(
            l, $@"^\| \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \| {id} \| activity\.failed +\| The snapshot of {Environment} \("));
        var plain = CliRuns.PlainRow(await carol.RunAsync(_home.Path, "alert:list", "-e", Environment, "--format", "plain"), id);
        Assert.Equal("activity.failed", plain[2]);

        var byViewer = await carol.RunAsync(_home.Path, "alert:dismiss", id, "-e", Environment);

        Assert.Equal(ExitCodes.Refused, byViewer.ExitCode);
        Assert.Equal("You need the Admin role on development environments to dismiss alerts; your role there is viewer.", byViewer.Error.Trim());
        Assert.Contains(await OpenAlertsAsync(alice), a => a.GetProperty("id").GetString() == id);

        var byAdmin = await alice.RunAsync(_home.Path, "alert:dismiss", id, "-e", Environment);

        Assert.True(byAdmin.ExitCode == 0, byAdmin.ToString());
        Assert.Matches($@"^Dismissed alert {id}; \d+ still open on {Environment}\.\n$", byAdmin.Output);
        Assert.DoesNotContain(await OpenAlertsAsync(carol), a => a.GetProperty("id").GetString() == id);

        var again = await alice.RunAsync(_home.Path, "alert:dismiss", id, "-e", Environment);
        var notAnId = await alice.RunAsync(_home.Path, "alert:dismiss", "not-an-alert", "-e", Environment);

        Assert.Equal(ExitCodes.NotFound, again.ExitCode);
        Assert.Contains(id, again.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, notAnId.ExitCode);
        Assert.Equal($"{Environment} has no open alert 'not-an-alert'.", notAnId.Error.Trim());
    }

    [Fact]
    public async Task DeliveriesShowTheFailedTriesOfAFailedSnapshotsWebhookAndAreOnlyForProjectAdmins()
    {
        var alice = portal.Cli(portal.AliceToken, _home);
        var failed = await alice.RunAsync(_home.Path, "snapshot:create", "-p", CliPortal.Declared, "-e", "failing");
        Assert.True(failed.ExitCode == ExitCodes.ActivityFailed, failed.ToString());
        var activity = CliRuns.FailedActivity(failed);

        var delivery = await UntilListedAsync($"a tried delivery for activity {activity}", async () =>
        {
            var listed = await alice.RunAsync(_home.Path, "alert:deliveries", "-p", CliPortal.Declared, "--format", "json");
            Assert.True(listed.ExitCode == 0, listed.ToString());
            return JsonDocument.Parse(listed.Output).RootElement.Clone().EnumerateArray()
                .FirstOrDefault(d => d.GetProperty("activity_id").GetString() == activity && d.GetProperty("attempts").GetInt32() > 0);
        });

        Assert.Equal(("webhook", portal.WebhookUrl, "activity.failed"),
            (delivery.GetProperty("channel").GetString(), delivery.GetProperty("target").GetString(), delivery.GetProperty("event").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(delivery.GetProperty("last_error").GetString()), delivery.ToString());
        var table = await alice.RunAsync(_home.Path, "alert:deliveries", "-p", CliPortal.Declared);
        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Output.TrimEnd().Split('\n');
        Assert.Matches(@"^\| Created +\| Event +\| Channel +\| Target +\| Status +\| Attempts +\| Last error +\|$", lines[1]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(
            l, $@"\| activity\.failed +\| webhook +\| {System.Text.RegularExpressions.Regex.Escape(portal.WebhookUrl)} +\| [a-z]+ +\| [1-9]"));

        var viewer = await portal.Cli(portal.CarolToken, _home).RunAsync(_home.Path, "alert:deliveries", "-p", CliPortal.Demo);

        Assert.Equal(ExitCodes.Refused, viewer.ExitCode);
        Assert.Equal("You need the Admin role on the project to see its alert deliveries.", viewer.Error.Trim());
        Assert.Empty(viewer.Output);
    }

    /// <summary>A snapshot that fails for real: a mount folder is missing while it runs (moved aside, then back). Answers its activity.</summary>
    private async Task<string> FailASnapshotAsync(CliProcess cli)
    {
        var mount = Path.Combine(portal.DemoFolder(Environment), "var");
        var aside = mount + ".moved-aside-by-a-test";
        Directory.Move(mount, aside);
        try
        {
            var failed = await cli.RunAsync(_home.Path, "snapshot:create", "-e", Environment);
            Assert.True(failed.ExitCode == ExitCodes.ActivityFailed, failed.ToString());
            return CliRuns.FailedActivity(failed);
        }
        finally
        {
            Directory.Move(aside, mount);
        }
    }

    /// <summary>Alerts are raised by a background job (every 200 ms here): polls alert:list until the activity's alert is there.</summary>
    private async Task<JsonElement> AlertOfAsync(CliProcess cli, string activity) =>
        await UntilListedAsync($"an alert for activity {activity}", async () =>
            (await OpenAlertsAsync(cli)).FirstOrDefault(a => a.GetProperty("activity_id").GetString() == activity));

    /// <summary>Polls <paramref name="find"/> until it answers an object, for at most 30 s.</summary>
    private static async Task<JsonElement> UntilListedAsync(string what, Func<Task<JsonElement>> find)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var found = await find();
            if (found.ValueKind == JsonValueKind.Object)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what} was not listed within 30 s");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private async Task<List<JsonElement>> OpenAlertsAsync(CliProcess cli)
    {
        var listed = await cli.RunAsync(_home.Path, "alert:list", "-e", Environment, "--format", "json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        return [.. JsonDocument.Parse(listed.Output).RootElement.Clone().EnumerateArray()];
    }

    public void Dispose() => _home.Dispose();
}
