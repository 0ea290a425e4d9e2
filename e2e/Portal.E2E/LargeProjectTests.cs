namespace Portal.E2E;

using System.Diagnostics;
using Portal.Core.Environments;
using Portal.E2E.Support;
using Portal.Infrastructure.Environments;
using static Microsoft.Playwright.Assertions;

/// <summary>
/// A declared project with 300 environments in a real browser: the tree and the overview list them all, the selected one is in
/// view, the filter narrows the tree. Times are printed for docs/benchmarks.md and never asserted.
/// </summary>
public sealed class LargeProjectTests : PortalPageTest
{
    private const int Runs = 5;
    private const string Big = "big-shop";

    protected override int MediaFiles => 1;

    /// <summary>master → staging → integration → 297 feature branches, as an agency's busy shop might look.</summary>
    protected override IReadOnlyDictionary<string, string?> Settings => ConfigurationPairs.Projects(new ProjectDefinition
    {
        Id = Big, Title = "Big shop", Admins = ["alice"],
        Environments =
        [
            new() { Name = "master", Title = "Master", Type = EnvironmentType.Production },
            new() { Name = "staging", Title = "Staging", Parent = "master", Type = EnvironmentType.Staging },
            new() { Name = "integration", Title = "Integration", Parent = "staging" },
            .. Enumerable.Range(1, 297).Select(i => new EnvironmentDefinition { Name = $"feature-{i:D3}", Title = $"Feature {i:D3}", Parent = "integration" }),
        ],
    });

    [Fact]
    public async Task The_tree_and_the_overview_list_300_environments_with_the_selected_one_in_view()
    {
        var tree = Page.GetByRole(AriaRole.Navigation, new() { Name = "Environments" }).Locator("[data-environment]");
        var baseline = await TimeAsync(() => OpenAsync(EnvironmentPath("develop-branch")), () => Expect(tree).ToHaveCountAsync(7));
        var treeTimes = await TimeAsync(() => OpenAsync($"projects/{Big}/environments/feature-250"), () => Expect(tree).ToHaveCountAsync(300));
        await Expect(Page.Locator("[data-environment='feature-250'][aria-current=page]")).ToBeInViewportAsync();

        var filter = Page.GetByRole(AriaRole.Textbox, new() { Name = "Filter environments" });
        var filterTimes = await TimeAsync(() => filter.FillAsync("feature-123"), () => Expect(tree).ToHaveCountAsync(4), async () =>
        {
            await filter.FillAsync("");
            await Expect(tree).ToHaveCountAsync(300);
        });

        var rows = Page.Locator("tbody tr[data-environment]");
        var overviewTimes = await TimeAsync(() => OpenAsync($"projects/{Big}"), () => Expect(rows).ToHaveCountAsync(300));
        var sorts = 0;
        var sortTimes = await TimeAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Environment", Exact = true }).ClickAsync(),
            () => Expect(rows.First).ToHaveAttributeAsync("data-environment", ++sorts % 2 == 1 ? "feature-001" : "staging"));
        await Expect(rows).ToHaveCountAsync(300);

        TestContext.Current.TestOutputHelper?.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        Report("baseline: the demo's environment page opened until its 7 environments are listed", baseline);
        Report("tree: page opened until all 300 environments are listed", treeTimes);
        Report("tree: filter typed until one match and its 3 ancestors remain (300 back in between, untimed)", filterTimes);
        Report("overview: page opened until all 300 rows are listed", overviewTimes);
        Report("overview: sort clicked until the rows are re-ordered", sortTimes);
    }

    /// <summary>Milliseconds from the start of <paramref name="act"/> to the end of <paramref name="done"/>, <see cref="Runs"/> times.</summary>
    private static async Task<List<double>> TimeAsync(Func<Task> act, Func<Task> done, Func<Task>? reset = null)
    {
        var times = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            var clock = Stopwatch.StartNew();
            await act();
            await done();
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (reset is not null)
            {
                await reset();
            }
        }

        return times;
    }

    private static void Report(string what, List<double> times)
    {
        var sorted = times.Order().ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{what}: median {sorted[sorted.Count / 2]:0} ms, min {sorted[0]:0} ms, max {sorted[^1]:0} ms ({string.Join(", ", times.Select(t => t.ToString("0")))})");
    }
}
