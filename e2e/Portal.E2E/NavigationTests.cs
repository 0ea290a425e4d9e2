namespace Portal.E2E;

using System.Text.RegularExpressions;
using Portal.Core.Environments;
using Portal.E2E.Support;
using Portal.Infrastructure.Environments;
using static Microsoft.Playwright.Assertions;

/// <summary>A user with several projects finds each: the projects page, the overview, the switcher and the tree's filter.</summary>
public sealed partial class NavigationTests : PortalPageTest
{
    protected override int MediaFiles => 5;

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
    public async Task The_overview_shows_a_snapshot_finishing_in_another_tab_without_a_reload()
    {
        await OpenAsync($"projects/{Project}");
        var row = Page.Locator("tr[data-environment='develop-branch']");
        await Expect(row.Locator("[data-last-activity]")).ToContainTextAsync("Cron job");

        var other = await Context.NewPageAsync();
        await OpenAsync(other, EnvironmentPath("develop-branch"));
        await other.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await other.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await ExpectSucceededAsync(Entries(other, "snapshot").First);

        await Expect(row.Locator("[data-last-activity]")).ToContainTextAsync("created a snapshot");
        await Expect(row.Locator("[data-last-activity] .mud-chip")).ToHaveTextAsync("success");
        await Expect(row.Locator("td").Nth(4)).Not.ToContainTextAsync("none yet");
        await ScreenshotAsync("overview-live");
    }

    [GeneratedRegex("/projects$")]
    private static partial Regex ProjectsUrl();
}
