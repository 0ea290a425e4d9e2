namespace Portal.Cli.Tests.Support;

using System.Text.RegularExpressions;

/// <summary>What the tests read back from the tool's runs: the snapshot it created, a row of a plain listing, an activity it named.</summary>
internal static class CliRuns
{
    /// <summary>The id snapshot:create printed on stdout, its only line there, as the seed prints it.</summary>
    public static string SnapshotName(CliResult created) =>
        Regex.Match(created.Output, @"\ASnapshot name: ([a-z0-9]+)\n\z") is { Success: true } match
            ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"snapshot:create printed no snapshot name:\n{created}");

    /// <summary>Takes a snapshot of a demo environment with the tool and answers its id.</summary>
    public static async Task<string> CreateSnapshotAsync(CliProcess cli, string folder, string environment)
    {
        var created = await cli.RunAsync(folder, "snapshot:create", "--live", "-p", CliPortal.Demo, "-e", environment);
        Assert.True(created.ExitCode == 0, created.ToString());
        return SnapshotName(created);
    }

    /// <summary>The cells of the row of a <c>--format plain</c> listing whose second cell (the ID column) is <paramref name="id"/>.</summary>
    public static string[] PlainRow(CliResult listed, string id)
    {
        Assert.True(listed.ExitCode == 0, listed.ToString());
        return listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).SingleOrDefault(cells => cells[1] == id)
            ?? throw new Xunit.Sdk.XunitException($"no row for {id} in:\n{listed}");
    }

    /// <summary>The activity a failure message names at its end, "… (activity ID)".</summary>
    public static string FailedActivity(CliResult failed) =>
        Regex.Match(failed.Error, @"\(activity ([a-z0-9]+)\)") is { Success: true } match
            ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"the failure names no activity:\n{failed}");
}
