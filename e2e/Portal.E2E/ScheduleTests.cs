namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>Issue #16 item 1 in a real browser: the schedule editor in the Snapshots dialog, its next runs in words, saved and found again.</summary>
public sealed class ScheduleTests : PortalPageTest
{
    [Fact]
    public async Task Admin_types_a_schedule_sees_its_next_runs_saves_it_and_finds_it_again()
    {
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        var cron = Page.GetByRole(AriaRole.Textbox, new() { Name = "Cron expression" });
        await Expect(cron).ToBeVisibleAsync();

        await cron.FillAsync("*/15 * * * *");
        await Expect(Page.Locator(".mud-input-helper-text").GetByText("fires every 15 minutes; snapshots can be scheduled at most once an hour")).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Save schedule" })).ToBeDisabledAsync();

        await cron.FillAsync("0 3 * * 1");
        var runs = Page.GetByRole(AriaRole.List, new() { Name = "Its next runs would be:" }).GetByRole(AriaRole.Listitem);
        await Expect(runs).ToHaveCountAsync(5);
        await Expect(runs.First).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"^Monday \d{1,2} \w+ \d{4} at 03:00 \(UTC\), in \d+ (hours?|days?)$"));
        await AssertAccessibleAsync("the schedule editor with its next runs");
        await ScreenshotAsync("schedule-typed");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Save schedule" }).ClickAsync();
        await Expect(Page.GetByText("develop-branch is snapshotted on schedule: 0 3 * * 1 (UTC).")).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.List, new() { Name = "Next runs:" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(5);

        await Page.ReloadAsync();
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Textbox, new() { Name = "Cron expression" })).ToHaveValueAsync("0 3 * * 1");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Remove schedule" })).ToBeEnabledAsync();
    }
}
