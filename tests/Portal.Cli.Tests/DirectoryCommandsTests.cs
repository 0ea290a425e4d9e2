namespace Portal.Cli.Tests;

using System.Text.Json;
using Portal.Cli.Tests.Support;

[Collection(CliPortalCollection.Name)]
public sealed class DirectoryCommandsTests(CliPortal portal) : IDisposable
{
    private readonly TempFolder _home = new();

    [Fact]
    public async Task EnvironmentListTakesTheProjectFromTheSettingsFileAndSaysWhereSnapshotsAreNotAvailable()
    {
        _home.WriteProjectSettings($"id: {CliPortal.Demo}\n");

        var result = await portal.Cli(portal.AliceToken, _home).RunAsync(_home.Path, "environment:list", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var environments = JsonDocument.Parse(result.Output).RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.True(environments["develop-branch"].GetProperty("can_snapshot").GetBoolean());
        Assert.Equal("Snapshots are not available for Pro Staging and Production environments.",
            environments["production"].GetProperty("cannot_snapshot_reason").GetString());
    }

    [Fact]
    public async Task ProjectListShowsOnlyTheProjectsTheTokensUserHasARoleOn()
    {
        var alice = await portal.Cli(portal.AliceToken, _home).RunAsync(_home.Path, "project:list", "--format", "plain");
        var carol = await portal.Cli(portal.CarolToken, _home).RunAsync(_home.Path, "project:list");

        Assert.Equal(["cli-shop\tCLI shop", "demo-shop\tDemo shop"], alice.Output.TrimEnd().Split('\n').Order(StringComparer.Ordinal));
        Assert.Contains("| demo-shop | Demo shop |", carol.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("cli-shop", carol.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
