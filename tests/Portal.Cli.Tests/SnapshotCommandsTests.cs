namespace Portal.Cli.Tests;

using System.Text.Json;
using Portal.Cli.Tests.Support;

/// <summary>The built tool against a real Portal: the seed's snapshot commands, their output and their exit codes.</summary>
[Collection(CliPortalCollection.Name)]
public sealed class SnapshotCommandsTests(CliPortal portal) : IDisposable
{
    private readonly TempFolder _home = new();
    private readonly TempFolder _project = new();

    [Fact]
    public async Task CreateWithProgressThenListThenRestorePutsTheChangedFilesBack()
    {
        // As the seed says: change to the project folder, check out the environment's branch; no -p or -e.
        _project.WriteProjectSettings($"id: {CliPortal.Demo}\n");
        _project.GitRepository("develop-branch");
        var cli = portal.Cli(portal.AliceToken, _home);
        var media = Path.Combine(portal.DemoFolder("develop-branch"), "pub", "media");
        var product = Directory.EnumerateFiles(media, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var original = await File.ReadAllBytesAsync(product, TestContext.Current.CancellationToken);

        var created = await cli.RunAsync(_project.Path, "snapshot:create", "--live");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.StartsWith("Creating a snapshot of develop-branch", created.Error, StringComparison.Ordinal);
        Assert.Matches(@"Progress: +\d+%  ETA ", created.Error);
        var id = CliRuns.SnapshotName(created);

        var listed = await cli.RunAsync(_project.Path, "snapshot:list");

        Assert.True(listed.ExitCode == 0, listed.ToString());
        var lines = listed.Output.TrimEnd().Split('\n');
        Assert.Equal("Snapshots on the project Demo shop (demo-shop), environment develop-branch (type: development):", lines[0]);
        Assert.Matches(@"^\+-+\+-+\+-+\+-+\+-+\+-+\+$", lines[1]);
        Assert.Matches(@"^\| Created +\| Snapshot ID +\| Restorable +\| Size +\| Pinned +\| Verified +\|$", lines[2]);
        Assert.Equal(lines[1], lines[3]);
        Assert.Equal(lines[1], lines[^1]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\| \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \| {id} +\| true +\| \d"));

        await File.WriteAllTextAsync(product, "overwritten after the snapshot", TestContext.Current.CancellationToken);
        var added = Path.Combine(media, "added-after-the-snapshot.jpg");
        await File.WriteAllTextAsync(added, "new", TestContext.Current.CancellationToken);

        var restored = await cli.RunAsync(_project.Path, "snapshot:restore", id, "--yes");

        Assert.True(restored.ExitCode == 0, restored.ToString());
        Assert.Contains("Snapshot restore date: ", restored.Error, StringComparison.Ordinal);
        Assert.Contains("This replaces the data of develop-branch: ", restored.Error, StringComparison.Ordinal);
        Assert.Contains("pub/media (mount)", restored.Error, StringComparison.Ordinal);
        Assert.Matches(@"Safety snapshot: [a-z0-9]+ \(restore it to undo\)", restored.Output);
        Assert.Equal(original, await File.ReadAllBytesAsync(product, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(added), "a file added after the snapshot is gone after the restore");
    }

    [Fact]
    public async Task AtATerminalCreateDrawsALiveBarAndRestoreRestoresOnlyOnYes()
    {
        var cli = portal.Cli(portal.AliceToken, _home);

        var created = await cli.RunAtTerminalAsync(_project.Path, "", "", "snapshot:create", "-p", CliPortal.Demo, "-e", "master");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Matches(@"\r\[=* *\] +\d+%  ETA ", created.Output);
        Assert.Contains("] 100%  ETA 0:00", created.Output, StringComparison.Ordinal);
        var id = System.Text.RegularExpressions.Regex.Match(created.Output, "Snapshot name: ([a-z0-9]+)").Groups[1].Value;

        const string Question = "Are you sure you want to restore this snapshot? [y/N]";
        var declined = await cli.RunAtTerminalAsync(_project.Path, "n\n", Question, "snapshot:restore", id, "-p", CliPortal.Demo, "-e", "master");
        var confirmed = await cli.RunAtTerminalAsync(_project.Path, "y\n", Question, "snapshot:restore", id, "-p", CliPortal.Demo, "-e", "master");

        Assert.Equal(ExitCodes.Refused, declined.ExitCode);
        Assert.Contains(Question, declined.Output, StringComparison.Ordinal);
        Assert.Contains("Not restoring: not confirmed.", declined.Output, StringComparison.Ordinal);
        Assert.True(confirmed.ExitCode == 0, confirmed.ToString());
        Assert.Contains("Safety snapshot: ", confirmed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsJsonParsesAsTheApisSnapshots()
    {
        var cli = portal.Cli(portal.AliceToken, _home);
        var created = await cli.RunAsync(_project.Path, "snapshot:create", "-p", CliPortal.Demo, "-e", "integration");
        Assert.True(created.ExitCode == 0, created.ToString());

        var listed = await cli.RunAsync(_project.Path, "snapshot:list", "-p", CliPortal.Demo, "-e", "integration", "--format", "json");

        Assert.True(listed.ExitCode == 0, listed.ToString());
        var snapshots = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().ToList();
        var snapshot = Assert.Single(snapshots, s => created.Output.Contains(s.GetProperty("id").GetString()!, StringComparison.Ordinal));
        Assert.True(snapshot.GetProperty("restorable").GetBoolean());
        Assert.Equal("integration", snapshot.GetProperty("environment").GetString());
    }

    [Fact]
    public async Task ARestoreWithoutATerminalAndWithoutYesIsRefusedAndQueuesNothing()
    {
        var cli = portal.Cli(portal.AliceToken, _home);
        var created = await cli.RunAsync(_project.Path, "snapshot:create", "-p", CliPortal.Demo, "-e", "staging", "--live");
        Assert.True(created.ExitCode == 0, created.ToString());
        var id = CliRuns.SnapshotName(created);

        var refused = await cli.RunAsync(_project.Path, "snapshot:restore", id, "-p", CliPortal.Demo, "-e", "staging");

        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        Assert.Contains("Not restoring: there is no terminal to confirm on. Pass --yes to restore without asking.", refused.Error, StringComparison.Ordinal);
        var restores = await cli.RunAsync(_project.Path, "activity:list", "-p", CliPortal.Demo, "-e", "staging", "--type", "restore", "--format", "json");
        Assert.Equal(0, JsonDocument.Parse(restores.Output).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task AMissingRoleIsRefusedWithTheApisReason()
    {
        var result = await portal.Cli(portal.CarolToken, _home).RunAsync(_project.Path, "snapshot:create", "-p", CliPortal.Demo, "-e", "develop-branch");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Contains("Admin", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task ARuleIsRefusedWithTheApisReason()
    {
        var result = await portal.Cli(portal.AliceToken, _home).RunAsync(_project.Path, "snapshot:create", "-p", CliPortal.Demo, "-e", "production");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Contains("Snapshots are not available for Pro Staging and Production environments.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownEnvironmentOrSnapshotIsNotFound()
    {
        var cli = portal.Cli(portal.AliceToken, _home);

        var environment = await cli.RunAsync(_project.Path, "snapshot:list", "-p", CliPortal.Demo, "-e", "no-such-branch");
        var snapshot = await cli.RunAsync(_project.Path, "snapshot:restore", "nosuchsnapshot", "-p", CliPortal.Demo, "-e", "develop-branch", "--yes");

        Assert.Equal(ExitCodes.NotFound, environment.ExitCode);
        Assert.Contains("no-such-branch", environment.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, snapshot.ExitCode);
        Assert.Contains("nosuchsnapshot", snapshot.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedSnapshotEndsWithItsReasonAndLog()
    {
        var result = await portal.Cli(portal.AliceToken, _home).RunAsync(_project.Path, "snapshot:create", "-p", CliPortal.Declared, "-e", "failing");

        Assert.Equal(ExitCodes.ActivityFailed, result.ExitCode);
        Assert.Contains("maintenance mode refused", result.Error, StringComparison.Ordinal);
        Assert.Contains("failed: pre-snapshot command exited with code 3", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableServerAndARefusedTokenHaveTheirOwnCodes()
    {
        var unreachable = await new CliProcess(_home.Path).RunAsync(_project.Path, "",
            new Dictionary<string, string?> { ["PORTAL_URL"] = $"http://127.0.0.1:{Loopback.FreePort()}", ["PORTAL_TOKEN"] = portal.AliceToken }, "project:list");
        var refusedToken = await portal.Cli("portal_not-a-token-portal-issued", _home).RunAsync(_project.Path, "project:list");

        Assert.Equal(ExitCodes.Unreachable, unreachable.ExitCode);
        Assert.Contains("Cannot reach Portal at http://127.0.0.1:", unreachable.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotSignedIn, refusedToken.ExitCode);
        Assert.Contains("did not accept the token", refusedToken.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _home.Dispose();
        _project.Dispose();
    }
}
