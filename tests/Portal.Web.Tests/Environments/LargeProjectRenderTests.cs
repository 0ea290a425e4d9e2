namespace Portal.Web.Tests.Environments;

using System.Diagnostics;
using Portal.Web.Components.Environments;
using Portal.Web.Components.Pages;
using Portal.Web.Tests.Support;

/// <summary>
/// A project with 300 environments renders whole in the tree and the overview, and the filter narrows it. The times are printed
/// for docs/benchmarks.md, never asserted: this machine's speed is not the product's behaviour.
/// </summary>
public sealed class LargeProjectRenderTests : PortalComponentTest
{
    private const string Big = "big-shop";
    private static readonly string[] Features = [.. Enumerable.Range(1, 299).Select(i => $"feature-{i:D3}")];

    [Fact]
    public async Task The_tree_lists_all_300_environments_and_a_filter_narrows_them_to_one_match_and_its_parent()
    {
        await AddProjectAsync(Big, "Big shop", Features);
        var clock = Stopwatch.StartNew();

        var tree = Render<EnvironmentTree>(p => p.Add(x => x.ProjectId, Big).Add(x => x.Selected, "feature-250"));
        tree.WaitForAssertion(() => Assert.Equal(300, tree.FindAll("[data-environment]").Count), TimeSpan.FromSeconds(30));
        var rendered = clock.Elapsed;
        clock.Restart();
        tree.Find("[data-portal-filter] input").Input("feature-123");
        tree.WaitForAssertion(() => Assert.Equal(2, tree.FindAll("[data-environment]").Count), TimeSpan.FromSeconds(30));
        var filtered = clock.Elapsed;

        Report($"tree, 300 environments: first render {rendered.TotalMilliseconds:0} ms, filter to one {filtered.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task The_overview_lists_all_300_environments_and_sorting_them_keeps_all_300()
    {
        await AddProjectAsync(Big, "Big shop", Features);
        var clock = Stopwatch.StartNew();

        var page = Render<ProjectOverview>(p => p.Add(x => x.ProjectId, Big));
        page.WaitForAssertion(() => Assert.Equal(300, page.FindAll("tbody tr[data-environment]").Count), TimeSpan.FromSeconds(30));
        var rendered = clock.Elapsed;
        clock.Restart();
        page.Find("th button:contains('Environment')").Click();
        Assert.Equal(["master", "feature-001"], page.FindAll("tbody tr[data-environment]").Take(2).Select(r => r.GetAttribute("data-environment")));
        var sorted = clock.Elapsed;

        Assert.Equal(300, page.FindAll("tbody tr[data-environment]").Count);
        Report($"overview, 300 environments: first render (queries included) {rendered.TotalMilliseconds:0} ms, sort {sorted.TotalMilliseconds:0} ms");
    }

    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine(line);
    }
}
