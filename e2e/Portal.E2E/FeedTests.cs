namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>The environment messages: filtering that survives a reload, and progress every viewer sees live.</summary>
public sealed class FeedTests : PortalPageTest
{
    protected override int MediaFiles => 300;

    // The engine reports progress at most every 200 ms and this flush passes each report on at once.
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
        // 768 MB of incompressible bytes take over a second to read, hash, compress and store on any machine, so the bar is seen running.
        await WriteRandomFileAsync(Path.Combine(DemoFolder("develop-branch"), "pub", "media", "catalog-video.mp4"), 768);
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
        // How many values the bar takes is not fixed: the total grows as each service is walked, so when the small mounts finish
        // before pub/media is sized the bar can reach 99 % early and hold there. Each page must see it running, live.
        foreach (var page in new[] { Page, other })
        {
            var seen = await SeenProgressAsync(page);
            Assert.True(seen.Any(p => p is > 0 and < 100), $"each page should see the bar while the snapshot runs; one saw {string.Join(", ", seen)}%");
        }
    }

    private static async Task WriteRandomFileAsync(string path, int megabytes)
    {
        var buffer = new byte[1 << 20];
        await using var file = File.Create(path);
        for (var i = 0; i < megabytes; i++)
        {
            Random.Shared.NextBytes(buffer);
            await file.WriteAsync(buffer, Cancel);
        }
    }
}
