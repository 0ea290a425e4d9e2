namespace Portal.E2E;

using System.Text.RegularExpressions;
using Portal.Core.Environments;
using Portal.E2E.Support;
using Portal.Infrastructure.Environments;
using static Microsoft.Playwright.Assertions;

/// <summary>A user with several projects finds each: the projects page, the overview, the switcher and the tree's filter.</summary>
public sealed partial class NavigationTests : PortalPageTest
{
    /// <summary>Enough media that a safe snapshot pauses its environment across several renders of another tab.</summary>
    protected override int MediaFiles => 300;

    /// <summary>Alice administers the demo shop and this agency's shop.</summary>
    protected override IReadOnlyDictionary<string, string?> Settings => ConfigurationPairs.Projects(new ProjectDefinition
    {
        Id = "agency", Title = "Agency shop", Admins = ["alice"],
        Environments =
        [
            new() { Name = "master", Title = "Master", Type = EnvironmentType.Production },
            new() { Name = "staging", Title = "Staging", Parent = "master", Type = EnvironmentType.Staging },
            new() { Name = "feature-checkout", Title = "New checkout", Parent = "staging" },
            new() { Name = "feature-search", Title = "Faster search", Parent = "staging" },
        ],
    });

    [Fact]
    public async Task A_user_with_two_projects_lands_on_the_projects_page_opens_the_second_and_reaches_an_environment_by_keyboard()
    {
        await OpenAsync("/");

        await Expect(Page).ToHaveURLAsync(ProjectsUrl());
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Projects", Level = 1 })).ToBeVisibleAsync();
        var projects = Page.GetByRole(AriaRole.Table, new() { Name = "Your projects" });
        await Expect(projects.GetByRole(AriaRole.Link)).ToHaveTextAsync(["Agency shop", "Demo shop"]);
        await ScreenshotAsync("projects");

        await projects.GetByRole(AriaRole.Link, new() { Name = "Agency shop" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Agency shop", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Environments of Agency shop" }).Locator("tbody tr")).ToHaveCountAsync(4);

        var tree = Page.GetByRole(AriaRole.Navigation, new() { Name = "Environments" });
        await Page.Locator("main h1").ClickAsync();
        await Page.Keyboard.PressAsync("/");
        await Expect(Page.GetByRole(AriaRole.Textbox, new() { Name = "Filter environments" })).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync("checkout");
        await Expect(tree.Locator("[data-environment]")).ToHaveCountAsync(3);
        await Page.Keyboard.PressAsync("Enter");

        await Expect(Page).ToHaveURLAsync(new Regex("/projects/agency/environments/feature-checkout$"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "New checkout", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Breadcrumbs" })).ToContainTextAsync("Agency shop");
        await ScreenshotAsync("filtered-tree");
    }

    [Fact]
    public async Task The_switcher_filters_projects_as_you_type_and_opens_one_with_the_keyboard()
    {
        await OpenAsync(EnvironmentPath("develop-branch"));
        var switcher = Page.GetByRole(AriaRole.Combobox, new() { Name = "Switch project" });
        await Expect(switcher).ToHaveValueAsync("Demo shop");

        await switcher.ClickAsync();
        await switcher.FillAsync("agen");
        await Expect(Page.GetByRole(AriaRole.Option)).ToHaveTextAsync(["Agency shop"]);
        await Page.Keyboard.PressAsync("Enter");

        await Expect(Page).ToHaveURLAsync(new Regex("/projects/agency$"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Agency shop", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_overview_and_the_tree_show_a_snapshot_pausing_and_finishing_in_another_tab_without_a_reload()
    {
        await OpenAsync($"projects/{Project}");
        var row = Page.Locator("tr[data-environment='develop-branch']");
        await Expect(row.Locator("[data-last-activity]")).ToContainTextAsync("Cron job");
        await WatchStatusesAsync(Page);

        var other = await Context.NewPageAsync();
        await OpenAsync(other, EnvironmentPath("develop-branch"));
        await other.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await other.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await ExpectSucceededAsync(Entries(other, "snapshot").First);

        await Expect(row.Locator("[data-last-activity]")).ToContainTextAsync("created a snapshot");
        await Expect(row.Locator("[data-last-activity] .mud-chip")).ToHaveTextAsync("success");
        await Expect(row.Locator("td").Nth(4)).Not.ToContainTextAsync("none yet");
        await Expect(row.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "active");
        var seen = await Page.EvaluateAsync<string[]>("() => window.portalStatuses");
        Assert.Contains("overview:paused", seen);
        Assert.Contains("tree:paused", seen);
        await Expect(Page.Locator("nav[aria-label='Environments'] [data-environment='develop-branch'] .portal-dot")).ToHaveAttributeAsync("title", "active");
        await ScreenshotAsync("overview-live");
    }

    /// <summary>Records every status develop-branch shows in the overview's row and in the tree, however briefly.</summary>
    private static async Task WatchStatusesAsync(IPage page) => await page.EvaluateAsync(@"() => {
        window.portalStatuses = [];
        const record = () => {
            const row = document.querySelector(""tr[data-environment='develop-branch'] [data-status]"");
            const dot = document.querySelector(""nav[aria-label='Environments'] [data-environment='develop-branch'] .portal-dot"");
            for (const seen of [row && 'overview:' + row.dataset.status, dot && 'tree:' + dot.title]) {
                if (seen && !window.portalStatuses.includes(seen)) window.portalStatuses.push(seen);
            }
        };
        new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    }");

    [GeneratedRegex("/projects$")]
    private static partial Regex ProjectsUrl();
}
