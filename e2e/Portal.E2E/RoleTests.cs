namespace Portal.E2E;

using System.Text.RegularExpressions;
using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>What each demo role can do in the browser; the application layer refuses the rest whatever the UI shows.</summary>
public sealed partial class RoleTests : PortalPageTest
{
    protected override int MediaFiles => 20;

    [Fact]
    public async Task A_contributor_sees_Snapshots_disabled_because_the_Admin_role_is_missing()
    {
        await SignInAsync("bob");
        await OpenAsync(EnvironmentPath("develop-branch"));

        var button = Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true });
        await Expect(button).ToBeDisabledAsync();
        await Expect(button).ToHaveAccessibleDescriptionAsync(AdminRoleMissing());
        await Page.Locator(".portal-guarded").HoverAsync();
        await Expect(Page.Locator(".mud-tooltip")).ToHaveTextAsync(AdminRoleMissing());
        await ScreenshotAsync("contributor");
    }

    [Fact]
    public async Task A_viewer_sees_the_snapshot_but_no_restore_button_while_the_admin_does()
    {
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        var asAdmin = Entries(Page, "snapshot").First;
        await ExpectSucceededAsync(asAdmin);
        await Expect(asAdmin.GetByRole(AriaRole.Button, new() { Name = "restore", Exact = true })).ToBeEnabledAsync();

        await SignInAsync("carol");
        await OpenAsync(EnvironmentPath("develop-branch"));

        var asViewer = Entries(Page, "snapshot").First;
        await Expect(asViewer).ToContainTextAsync("Alice created a snapshot of develop-branch");
        await Expect(Chip(asViewer)).ToHaveTextAsync("success");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "restore", Exact = true })).ToHaveCountAsync(0);
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true })).ToBeDisabledAsync();
        await ScreenshotAsync("viewer");
    }

    [GeneratedRegex("^You need the Admin role on development environments to create snapshots; your role there is contributor\\.$")]
    private static partial Regex AdminRoleMissing();
}
