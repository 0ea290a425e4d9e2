namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>An admin at the manual snapshot limit: the Create dialog names what a new snapshot would push out; pinning keeps it.</summary>
public sealed class RetentionTests : PortalPageTest
{
    protected override int MediaFiles => 5;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Snapshots:Retention:development:ManualMax"] = "1",
    };

    [Fact]
    public async Task Admin_sees_which_snapshot_a_create_would_rotate_out_then_pins_it_by_keyboard_and_unpins_it()
    {
        await OpenAsync(EnvironmentPath("develop-branch"));
        var open = Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true });
        await open.ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Snapshots of Develop branch" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await ExpectSucceededAsync(Entries(Page, "snapshot").First);

        await open.ClickAsync();
        var row = dialog.Locator("tbody tr").First;
        var id = await row.GetAttributeAsync("data-snapshot");
        var preview = dialog.Locator("[data-testid=rotation-preview]");
        await Expect(preview).ToContainTextAsync($"Creating a snapshot rotates out snapshot {id}");
        await Expect(preview).ToContainTextAsync("at most 1 manual snapshots are kept on development environments");
        await AssertAccessibleAsync("the Snapshots dialog with a retention preview");
        await ScreenshotAsync("retention-preview");

        var toggle = row.GetByRole(AriaRole.Button, new() { Name = $"Pin snapshot {id}" });
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        await toggle.FocusAsync();
        await Page.Keyboard.PressAsync("Enter");
        var pin = Page.GetByRole(AriaRole.Dialog, new() { Name = "Pin snapshot" });
        var reason = pin.GetByRole(AriaRole.Textbox, new() { Name = "Reason" });
        await AssertAccessibleAsync("the Pin snapshot dialog");
        await reason.FillAsync("kept for the tax audit");
        await reason.PressAsync("Enter");

        await Expect(pin).ToBeHiddenAsync();
        await Expect(row).ToContainTextAsync("Pinned: kept for the tax audit");
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(preview).ToBeHiddenAsync();
        await ScreenshotAsync("pinned");

        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(row).Not.ToContainTextAsync("Pinned:");
        await Expect(preview).ToContainTextAsync($"rotates out snapshot {id}");

        // Both are in the environment's feed, by name.
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Expect(Entries(Page, "snapshot pin").First).ToContainTextAsync($"Alice pinned snapshot {id} of develop-branch: kept for the tax audit");
        await Expect(Entries(Page, "snapshot unpin").First).ToContainTextAsync($"Alice unpinned snapshot {id} of develop-branch");
    }
}
