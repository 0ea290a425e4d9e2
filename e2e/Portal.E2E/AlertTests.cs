namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>A snapshot that fails puts an alert on the environment's banner and the overview's count; the Admin dismisses it by keyboard.</summary>
public sealed class AlertTests : PortalPageTest
{
    protected override int MediaFiles => 5;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Alerts:DispatchInterval"] = "00:00:00.500" };

    [Fact]
    public async Task A_failed_snapshot_raises_a_banner_and_an_overview_count_that_the_Admin_dismisses_by_keyboard()
    {
        Directory.Delete(Path.Combine(DemoFolder("develop-branch"), "var"), recursive: true);
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(Chip(Entries(Page, "snapshot").First)).ToHaveTextAsync("failure", new() { Timeout = 120_000 });

        // Raised by the background job on its next round, shown at the banner's next read.
        var banner = Page.GetByRole(AriaRole.Region, new() { Name = "Alerts on develop-branch" });
        var alert = banner.Locator("[data-alert='activity.failed']");
        await Expect(alert).ToContainTextAsync("The snapshot of develop-branch (Alice created a snapshot of develop-branch) failed: Mount 'var'",
            new() { Timeout = 20_000 });
        await Expect(alert).ToHaveAttributeAsync("role", "alert");
        await ScreenshotAsync("banner");
        await AssertAccessibleAsync("the environment page with an alert");

        await OpenAsync($"projects/{Project}");
        await Expect(Page.Locator("tr[data-environment='develop-branch'] td[data-alerts]")).ToHaveTextAsync("1 open");
        await Page.Locator("tr[data-environment='develop-branch'] td[data-alerts] a").ClickAsync();
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("environments/develop-branch$"));

        var close = alert.GetByRole(AriaRole.Button);
        await close.FocusAsync();
        await Page.Keyboard.PressAsync("Enter");
        await Expect(banner).ToHaveCountAsync(0);
        await Expect(Page.GetByText("Alert dismissed.")).ToBeVisibleAsync();

        await OpenAsync($"projects/{Project}");
        await Expect(Page.Locator("tr[data-environment='develop-branch'] td[data-alerts]")).ToHaveTextAsync("none");
    }
}
