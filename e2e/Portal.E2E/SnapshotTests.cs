namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>The Admin's path through the pane: take a snapshot, watch it, restore it.</summary>
public sealed class SnapshotTests : PortalPageTest
{
    [Fact]
    public async Task Admin_creates_a_snapshot_watches_its_progress_and_sees_it_restorable()
    {
        await OpenAsync("/");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Develop branch" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Develop branch", Level = 1 })).ToBeVisibleAsync();
        await AssertAccessibleAsync("the environment page");
        await ScreenshotAsync("environment");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Snapshots of Develop branch" });
        await Expect(dialog.GetByText("It never contains code.")).ToBeVisibleAsync();
        await AssertAccessibleAsync("the Snapshots dialog");
        await ScreenshotAsync("snapshots-dialog");
        await WatchProgressAsync(Page);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        var entry = Entries(Page, "snapshot").First;
        await Expect(entry).ToContainTextAsync("Alice created a snapshot of develop-branch");
        await Expect(Page.Locator(".portal-progress").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await ScreenshotAsync("in-progress");
        await ExpectSucceededAsync(entry);
        var seen = await SeenProgressAsync(Page);
        Assert.True(seen.Count(p => p is > 0 and < 100) >= 2, $"the progress bar should move; it showed {string.Join(", ", seen)}%");
        await ScreenshotAsync("completed");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        var row = dialog.Locator("tbody tr").First;
        await Expect(row).ToContainTextAsync("yes, expires in 6 days");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "restore", Exact = true })).ToBeEnabledAsync();
        await ScreenshotAsync("restorable");
    }

    [Fact]
    public async Task Admin_restores_a_snapshot_and_the_changed_file_is_back_byte_for_byte()
    {
        var file = Path.Combine(DemoFolder("develop-branch"), "app", "etc", "env.php");
        var original = await File.ReadAllBytesAsync(file, Cancel);
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        var snapshot = Entries(Page, "snapshot").First;
        await ExpectSucceededAsync(snapshot);

        await File.WriteAllTextAsync(file, "<?php return ['db' => 'changed after the snapshot'];\n", Cancel);
        await snapshot.GetByRole(AriaRole.Button, new() { Name = "restore", Exact = true }).ClickAsync();

        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Restore snapshot" });
        var date = dialog.Locator("[data-testid=restore-date]");
        await Expect(date).ToContainTextAsync($"{DateTime.UtcNow:yyyy-MM-dd}");
        await Expect(date).ToContainTextAsync("UTC");
        await Expect(dialog).ToContainTextAsync("Code is not changed.");
        await AssertAccessibleAsync("the restore dialog");
        await ScreenshotAsync("restore-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Restore", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        var restore = Entries(Page, "restore").First;
        await Expect(restore).ToContainTextAsync("Alice restored snapshot");
        await ExpectSucceededAsync(restore);
        await ScreenshotAsync("restored");
        Assert.Equal(original, await File.ReadAllBytesAsync(file, Cancel));
    }

    [Fact]
    public async Task Pro_staging_shows_snapshots_disabled_with_its_reason()
    {
        await OpenAsync(EnvironmentPath("pro-staging"));

        var button = Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true });
        await Expect(button).ToBeDisabledAsync();
        await Expect(button).ToHaveAccessibleDescriptionAsync("Snapshots are not available for Pro Staging and Production environments.");
        await Page.Locator(".portal-guarded").HoverAsync();
        await Expect(Page.Locator(".mud-tooltip")).ToHaveTextAsync("Snapshots are not available for Pro Staging and Production environments.");
        await AssertAccessibleAsync("the Pro Staging page");
        await ScreenshotAsync("pro-staging");
    }
}
