namespace Portal.E2E;

using System.Text.Json;
using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>
/// Two Portal nodes on one PostgreSQL database and one data folder (standing in for shared storage): the browser is on node A,
/// which claims no work, so what it shows of a running snapshot can only have come from node B through LISTEN/NOTIFY.
/// </summary>
public sealed class CrossNodeFeedTests : PortalPageTest
{
    private TestDatabase? _database;

    // With B flushing progress every 50 ms and relaying every 50 ms, a snapshot of this many files spans several sends.
    protected override int MediaFiles => 3_000;

    protected override IReadOnlyDictionary<string, string?> Settings => NodeSettings("node-a", claims: false);

    protected override async ValueTask BeforePortalStartsAsync() => _database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);

    protected override async ValueTask AfterPortalStoppedAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_browser_on_node_A_follows_the_progress_of_a_snapshot_node_B_runs()
    {
        // B starts once A has seeded the demo data in the folder they share, and runs what A's page queues.
        await using var b = await PortalProcess.StartAsync(App.DataPath, NodeSettings("node-b", claims: true), Cancel);
        try
        {
            await FollowFromNodeAAsync(b);
        }
        catch
        {
            TestContext.Current.TestOutputHelper?.WriteLine("Node B output:\n" + b.Output);
            throw;
        }
    }

    private async Task FollowFromNodeAAsync(PortalProcess b)
    {
        await OpenAsync(EnvironmentPath("develop-branch"));
        await WatchProgressAsync(Page);
        await WatchCompletionAsync(Page);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        var entry = Entries(Page, "snapshot").First;
        await Expect(entry).ToContainTextAsync("Alice created a snapshot of develop-branch");
        await ExpectSucceededAsync(entry);
        await ScreenshotAsync("followed-from-node-a");

        var seen = await SeenProgressAsync(Page);
        Assert.True(seen.Count(p => p is > 0 and < 100) >= 2, $"node A's page should see the bar move; it saw {string.Join(", ", seen)}%");

        // B ran it, A did not; and A's page showed the end within a second of the moment B recorded it.
        var id = await entry.GetAttributeAsync("data-activity");
        Assert.Contains($"Activity {id} (environment.backup) on develop-branch ended", b.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"Activity {id}", App.Output, StringComparison.Ordinal);
        using var api = await App.SignedInClientAsync("alice", Cancel);
        var activity = JsonDocument.Parse(await api.GetStringAsync(new Uri($"api/projects/{Project}/activities/{id}", UriKind.Relative), Cancel)).RootElement;
        var completedAt = activity.GetProperty("completed_at").GetDateTimeOffset();
        var shownAt = DateTimeOffset.FromUnixTimeMilliseconds(await Page.EvaluateAsync<long>("() => window.portalDoneAt"));
        TestContext.Current.TestOutputHelper?.WriteLine($"node A's page saw {string.Join(", ", seen)}% and the end {(shownAt - completedAt).TotalMilliseconds:F0} ms after B recorded it");
        Assert.True(shownAt - completedAt < TimeSpan.FromSeconds(1), $"B completed it at {completedAt:O}; A's page showed it at {shownAt:O}");
    }

    private Dictionary<string, string?> NodeSettings(string node, bool claims) =>
        new(_database!.Settings)
        {
            ["Activities:NodeId"] = node,
            ["Activities:ClaimsEnabled"] = claims ? "true" : "false",
            ["Activities:ProgressFlushMilliseconds"] = "50",
            ["LiveUpdates:NotifyMilliseconds"] = "50",
            ["Portal:Demo:MediaFiles"] = $"{MediaFiles}",
        };

    /// <summary>Records when the page first shows a finished snapshot entry, as the browser's clock saw it.</summary>
    private static async Task WatchCompletionAsync(IPage page) => await page.EvaluateAsync(@"() => {
        window.portalDoneAt = 0;
        const check = () => {
            if (window.portalDoneAt) return;
            const chip = document.querySelector(""li.portal-entry[data-type='snapshot'] .mud-chip"");
            if (chip && chip.textContent.trim() === 'success') window.portalDoneAt = Date.now();
        };
        new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
    }");
}
