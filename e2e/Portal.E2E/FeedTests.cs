namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>The environment messages: filtering that survives a reload, and progress every viewer sees live.</summary>
public sealed class FeedTests : PortalPageTest
{
    // A snapshot reads each file once and nothing back: it needs this many files to span several progress updates.
    protected override int MediaFiles => 2_000;

    // Progress is published at most once per flush; the shortest one allowed keeps several updates in a snapshot that takes well under a second.
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Activities:ProgressFlushMilliseconds"] = "50" };

    [Fact]
    public async Task Filtering_all_types_of_to_snapshot_shows_only_snapshots_and_survives_a_reload()
    {
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(Entries(Page, "snapshot")).ToHaveCountAsync(1);
        await Expect(Page.Locator("li.portal-entry")).Not.ToHaveCountAsync(1);

        await Page.GetByRole(AriaRole.Combobox, new() { Name = "all types of" }).ClickAsync();
        await Page.GetByRole(AriaRole.Option, new() { Name = "snapshot", Exact = true }).ClickAsync();

        await Expect(Page).ToHaveURLAsync(SnapshotFilterUrl());
        await Expect(Page.Locator("li.portal-entry")).ToHaveCountAsync(1);
        await Expect(Entries(Page, "snapshot")).ToHaveCountAsync(1);
        await ScreenshotAsync("filtered");

        await Page.ReloadAsync();
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await Expect(Page.GetByRole(AriaRole.Combobox, new() { Name = "all types of" })).ToContainTextAsync("snapshot");
        await Expect(Page.Locator("li.portal-entry")).ToHaveCountAsync(1);
        await Expect(Entries(Page, "snapshot")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Two_pages_see_the_same_snapshot_progress_live()
    {
        var other = await Context.NewPageAsync();
        await OpenAsync(EnvironmentPath("develop-branch"));
        await OpenAsync(other, EnvironmentPath("develop-branch"));
        await WatchProgressAsync(Page);
        await WatchProgressAsync(other);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();

        foreach (var page in new[] { Page, other })
        {
            var entry = Entries(page, "snapshot").First;
            await Expect(entry).ToContainTextAsync("Alice created a snapshot of develop-branch");
            await ExpectSucceededAsync(entry);
        }

        await ScreenshotAsync("second-page", other);
        foreach (var page in new[] { Page, other })
        {
            var seen = await SeenProgressAsync(page);
            Assert.True(seen.Count(p => p is > 0 and < 100) >= 2, $"each page should see the bar move; one saw {string.Join(", ", seen)}%");
        }
    }
}
