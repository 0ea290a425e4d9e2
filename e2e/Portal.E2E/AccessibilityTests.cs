namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>Every page and dialog passes every axe rule (AssertAccessibleAsync runs them all, minor ones included).</summary>
public sealed class AccessibilityTests : PortalPageTest
{
    protected override int MediaFiles => 5;

    [Fact]
    public async Task The_environment_access_sign_in_and_not_found_pages_pass_every_axe_rule()
    {
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Expect(Page.GetByRole(AriaRole.Main)).ToHaveCountAsync(1);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Develop branch", Level = 1 })).ToBeVisibleAsync();
        await AssertAccessibleAsync("the environment page");

        await OpenAsync($"projects/{Project}/access");
        await Expect(Page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Columnheader, new() { Name = "Member", Exact = true })).ToBeVisibleAsync();
        await AssertAccessibleAsync("the access page");
        await Page.GetByRole(AriaRole.Textbox, new() { Name = "User id or e-mail" }).FillAsync("nobody@example.org");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No Portal user has the user id or e-mail 'nobody@example.org'.");
        await AssertAccessibleAsync("the access page with a refusal");
        await ScreenshotAsync("access");

        await OpenAsync($"projects/no-such-shop/environments/master");
        await Expect(Page.GetByRole(AriaRole.Main)).ToContainTextAsync("Project 'no-such-shop' was not found.");
        await AssertAccessibleAsync("the not-found page");

        await Page.GotoAsync("account/local-login");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Sign in as Alice — Admin" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("the sign-in page");

        await Page.GotoAsync("authentication/error?reason=refused&returnUrl=%2F");
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Try again" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("the sign-in error page");
    }

    [Fact]
    public async Task The_projects_page_the_overview_the_switcher_and_the_filtered_tree_pass_every_axe_rule()
    {
        await OpenAsync("projects");
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Your projects" }).GetByRole(AriaRole.Link, new() { Name = "Demo shop" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("the projects page");

        await OpenAsync($"projects/{Project}");
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Environments of Demo shop" }).Locator("tbody tr")).ToHaveCountAsync(7);
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Manage user access" })).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Last snapshot" }).ClickAsync();
        await AssertAccessibleAsync("the project overview, sorted");

        await OpenAsync(EnvironmentPath("develop-branch"));
        await Page.GetByRole(AriaRole.Combobox, new() { Name = "Switch project" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Option, new() { Name = "Demo shop" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("the environment page with the project switcher open");
        await Page.Keyboard.PressAsync("Escape");

        await Page.GetByRole(AriaRole.Textbox, new() { Name = "Filter environments" }).FillAsync("develop");
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Environments" }).Locator("[data-environment]")).ToHaveCountAsync(4);
        await AssertAccessibleAsync("the environment page with a filtered tree");
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Projects", Exact = true }).First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_snapshots_and_restore_dialogs_pass_every_axe_rule()
    {
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        var snapshots = Page.GetByRole(AriaRole.Dialog, new() { Name = "Snapshots of Develop branch" });
        await Expect(snapshots.GetByText("It never contains code.")).ToBeVisibleAsync();
        await AssertAccessibleAsync("the Snapshots dialog");
        await snapshots.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        var entry = Entries(Page, "snapshot").First;
        await ExpectSucceededAsync(entry);

        await entry.GetByRole(AriaRole.Button, new() { Name = "restore", Exact = true }).ClickAsync();
        var restore = Page.GetByRole(AriaRole.Dialog, new() { Name = "Restore snapshot" });
        await Expect(restore).ToContainTextAsync("Code is not changed.");
        await AssertAccessibleAsync("the restore dialog");
    }
}
