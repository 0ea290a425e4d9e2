namespace Portal.Cli.Tests;

using Portal.Cli.Tests.Support;

/// <summary>snapshot:pin and snapshot:unpin against a real Portal: the pin and its reason in snapshot:list, and each refusal's code and reason.</summary>
[Collection(CliPortalCollection.Name)]
public sealed class PinCommandsTests(CliPortal portal) : IDisposable
{
    private readonly TempFolder _home = new();

    [Fact]
    public async Task PinWithAReasonShowsInTheListAndUnpinTakesItAway()
    {
        _home.WriteProjectSettings($"id: {CliPortal.Demo}\n");
        var cli = portal.Cli(portal.AliceToken, _home);
        var id = await CliRuns.CreateSnapshotAsync(cli, _home.Path, "staging");

        var pinned = await cli.RunAsync(_home.Path, "snapshot:pin", id, "--reason", "kept for the audit", "-e", "staging");

        Assert.True(pinned.ExitCode == 0, pinned.ToString());
        Assert.Equal($"Snapshot {id} of staging is pinned: kept for the audit", pinned.Output.Trim());
        var table = await cli.RunAsync(_home.Path, "snapshot:list", "-e", "staging");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches($@"\n\| [^|]+ \| {id} +\| true +\| [^|]+ \| kept for the audit +\| +\|\n", table.Output);
        Assert.Equal("kept for the audit", CliRuns.PlainRow(await cli.RunAsync(_home.Path, "snapshot:list", "-e", "staging", "--format", "plain"), id)[4]);

        var unpinned = await cli.RunAsync(_home.Path, "snapshot:unpin", id, "-e", "staging");

        Assert.True(unpinned.ExitCode == 0, unpinned.ToString());
        Assert.Equal($"Snapshot {id} of staging is no longer pinned; retention applies to it again.", unpinned.Output.Trim());
        Assert.Equal("", CliRuns.PlainRow(await cli.RunAsync(_home.Path, "snapshot:list", "-e", "staging", "--format", "plain"), id)[4]);

        var again = await cli.RunAsync(_home.Path, "snapshot:unpin", id, "-e", "staging");

        Assert.Equal(ExitCodes.Refused, again.ExitCode);
        Assert.Equal($"Snapshot {id} is not pinned.", again.Error.Trim());
    }

    [Fact]
    public async Task PinWithoutAReasonIsAUsageErrorAndPinsNothing()
    {
        var cli = portal.Cli(portal.AliceToken, _home);
        var id = await CliRuns.CreateSnapshotAsync(cli, _home.Path, "staging");

        var result = await cli.RunAsync(_home.Path, "snapshot:pin", id, "-p", CliPortal.Demo, "-e", "staging");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--reason", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.Equal("", CliRuns.PlainRow(await cli.RunAsync(_home.Path, "snapshot:list", "-p", CliPortal.Demo, "-e", "staging", "--format", "plain"), id)[4]);
    }

    [Fact]
    public async Task AnUnknownIdABlankReasonAndAViewerGetTheApisReasonAndTheirOwnCodes()
    {
        var alice = portal.Cli(portal.AliceToken, _home);
        var id = await CliRuns.CreateSnapshotAsync(alice, _home.Path, "integration");

        var unknown = await alice.RunAsync(_home.Path, "snapshot:pin", "nosuchsnapshot", "--reason", "audit", "-p", CliPortal.Demo, "-e", "integration");
        var blank = await alice.RunAsync(_home.Path, "snapshot:pin", id, "--reason", "  ", "-p", CliPortal.Demo, "-e", "integration");
        var viewer = await portal.Cli(portal.CarolToken, _home).RunAsync(_home.Path, "snapshot:pin", id, "--reason", "audit", "-p", CliPortal.Demo, "-e", "integration");

        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Equal("Snapshot 'nosuchsnapshot' was not found on environment integration.", unknown.Error.Trim());
        Assert.Equal(ExitCodes.Refused, blank.ExitCode);
        Assert.Contains("reason", blank.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, viewer.ExitCode);
        Assert.Contains("You need the Admin role on development environments to pin snapshots", viewer.Error, StringComparison.Ordinal);
        Assert.All(new[] { unknown, blank, viewer }, r => Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal));
        Assert.Equal("", CliRuns.PlainRow(await alice.RunAsync(_home.Path, "snapshot:list", "-p", CliPortal.Demo, "-e", "integration", "--format", "plain"), id)[4]);
    }

    public void Dispose() => _home.Dispose();
}
