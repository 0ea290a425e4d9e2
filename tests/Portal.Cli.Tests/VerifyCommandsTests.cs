namespace Portal.Cli.Tests;

using System.Security.Cryptography;
using System.Text;
using Portal.Cli.Tests.Support;

/// <summary>snapshot:verify against a real Portal and its filesystem store: a clean snapshot passes, a damaged object fails with its reason.</summary>
[Collection(CliPortalCollection.Name)]
public sealed class VerifyCommandsTests(CliPortal portal) : IDisposable
{
    private readonly TempFolder _home = new();

    [Fact]
    public async Task AGoodSnapshotVerifiesWithProgressThenADamagedObjectFailsWithItsReasonAndTheListSaysSo()
    {
        var ct = TestContext.Current.CancellationToken;
        var cli = portal.Cli(portal.AliceToken, _home);
        // A file only this snapshot holds, taken out again at once, so no later snapshot shares the object damaged below.
        var content = $"written only by this test {Guid.NewGuid()}\n";
        var file = Path.Combine(portal.DemoFolder("integration"), "var", "verify-me.log");
        await File.WriteAllTextAsync(file, content, ct);
        string id;
        try
        {
            id = await CliRuns.CreateSnapshotAsync(cli, _home.Path, "integration");
        }
        finally
        {
            File.Delete(file);
        }

        var clean = await cli.RunAsync(_home.Path, "snapshot:verify", id, "-p", CliPortal.Demo, "-e", "integration");

        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.StartsWith($"Verifying snapshot {id} of integration", clean.Error, StringComparison.Ordinal);
        Assert.Matches(@"Progress: +\d+%  ETA ", clean.Error);
        Assert.Equal($"Snapshot {id} verified: every stored object was read back and matches its hash.", clean.Output.Trim());
        var row = CliRuns.PlainRow(await cli.RunAsync(_home.Path, "snapshot:list", "-p", CliPortal.Demo, "-e", "integration", "--format", "plain"), id);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", row[5]);

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        var stored = Path.Combine(portal.Portal.DataPath, "snapshots", "objects", hash[..2], hash[2..]);
        var bytes = await File.ReadAllBytesAsync(stored, ct);
        bytes[^1] ^= 0x01;
        await File.WriteAllBytesAsync(stored, bytes, ct);

        var damaged = await cli.RunAsync(_home.Path, "snapshot:verify", id, "-p", CliPortal.Demo, "-e", "integration");

        Assert.Equal(ExitCodes.ActivityFailed, damaged.ExitCode);
        Assert.Contains(hash, damaged.Error, StringComparison.Ordinal);
        Assert.Matches($@"verified snapshot {id} of integration failed: .*{hash}.* \(activity [a-z0-9]+\)", damaged.Error);
        Assert.DoesNotContain("   at ", damaged.Error, StringComparison.Ordinal);
        Assert.Empty(damaged.Output);
        row = CliRuns.PlainRow(await cli.RunAsync(_home.Path, "snapshot:list", "-p", CliPortal.Demo, "-e", "integration", "--format", "plain"), id);
        Assert.Equal(("false", "failed"), (row[2], row[5]));
    }

    [Fact]
    public async Task NoWaitAnswersWithTheQueuedActivityWhichThenEndsInSuccessAndAViewerIsRefused()
    {
        var cli = portal.Cli(portal.AliceToken, _home);
        var id = await CliRuns.CreateSnapshotAsync(cli, _home.Path, "staging");
        var viewer = await portal.Cli(portal.CarolToken, _home).RunAsync(_home.Path, "snapshot:verify", id, "-p", CliPortal.Demo, "-e", "staging");
        Assert.Equal(ExitCodes.Refused, viewer.ExitCode);
        Assert.Contains("You need the Admin role on staging environments to verify snapshots", viewer.Error, StringComparison.Ordinal);

        var queued = await cli.RunAsync(_home.Path, "snapshot:verify", id, "--no-wait", "-p", CliPortal.Demo, "-e", "staging");

        Assert.True(queued.ExitCode == 0, queued.ToString());
        var activity = System.Text.RegularExpressions.Regex.Match(queued.Output, @"^Verify queued: activity ([a-z0-9]+) \(see portal activity:log \1\)\n$");
        Assert.True(activity.Success, queued.ToString());
        var log = await cli.RunAsync(_home.Path, "activity:log", activity.Groups[1].Value, "-p", CliPortal.Demo, "-e", "staging");
        Assert.True(log.ExitCode == 0, log.ToString());
        Assert.Matches(@"^\d{4}-", CliRuns.PlainRow(await cli.RunAsync(_home.Path, "snapshot:list", "-p", CliPortal.Demo, "-e", "staging", "--format", "plain"), id)[5]);
    }

    [Fact]
    public async Task AnUnknownSnapshotIsNotFound()
    {
        var unknown = await portal.Cli(portal.AliceToken, _home).RunAsync(_home.Path, "snapshot:verify", "nosuchsnapshot", "-p", CliPortal.Demo, "-e", "integration");

        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.EndsWith("Snapshot 'nosuchsnapshot' was not found on environment integration.", unknown.Error.Trim(), StringComparison.Ordinal);
        Assert.Empty(unknown.Output);
    }

    public void Dispose() => _home.Dispose();
}
