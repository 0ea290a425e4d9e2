namespace Portal.E2E.Support;

using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>
/// One test = one fresh Portal process and one Chromium. Chromium comes from PORTAL_TEST_CHROMIUM (default /usr/bin/chromium);
/// when it is missing the test fails under CI=true and is skipped otherwise.
/// </summary>
public abstract partial class PortalPageTest : IAsyncLifetime
{
    protected const string Project = "demo-shop";

    private static readonly string[] LaunchArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ];

    static PortalPageTest()
    {
        // Expect's 5 s default is tight for a Blazor circuit's first render on a loaded 2-core runner; waiting longer costs nothing when it passes.
        SetDefaultExpectTimeout(15_000);
    }

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private int _screenshot;

    /// <summary>The real Portal in Development (demo data, demo users) over a throwaway data folder.</summary>
    protected PortalProcess App { get; private set; } = default!;

    protected IBrowserContext Context { get; private set; } = default!;

    protected IPage Page { get; private set; } = default!;

    /// <summary>Media files per demo environment: enough that a snapshot runs long enough to watch its progress.</summary>
    protected virtual int MediaFiles => 300;

    /// <summary>More configuration for this test's Portal, e.g. declared projects (ConfigurationPairs.Projects of Portal's ProjectDefinition).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>The colour scheme the browser reports to the page (Portal follows it).</summary>
    protected virtual ColorScheme BrowserColorScheme => ColorScheme.Light;

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("PORTAL_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            var message = $"Chromium not found at {chromium} (apt-get install -y chromium fonts-liberation, or set PORTAL_TEST_CHROMIUM)";
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), message);
            Assert.Skip(message);
        }

        await BeforePortalStartsAsync();
        App = await PortalProcess.StartAsync(dataPath: null, new Dictionary<string, string?>(Settings) { ["Portal:Demo:MediaFiles"] = $"{MediaFiles}" }, Cancel);
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = LaunchArgs });
        Context = await _browser.NewContextAsync(new() { BaseURL = App.BaseUri.ToString(), ViewportSize = new() { Width = 1400, Height = 900 }, ColorScheme = BrowserColorScheme });
        Page = await Context.NewPageAsync();
        await SignInAsync();
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (TestContext.Current.TestState?.Result == TestResult.Failed && App is not null)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("Portal output:\n" + App.Output);
        }

        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        await AfterPortalStoppedAsync();
    }

    /// <summary>Runs before this test's Portal starts, e.g. to create the database its <see cref="Settings"/> name.</summary>
    protected virtual ValueTask BeforePortalStartsAsync() => ValueTask.CompletedTask;

    /// <summary>Runs once this test's Portal stopped, e.g. to drop the database it used.</summary>
    protected virtual ValueTask AfterPortalStoppedAsync() => ValueTask.CompletedTask;

    /// <summary>Signs the browser in as a demo user through the Development-only test sign-in (<c>/account/local-login?user=</c>).</summary>
    protected async Task SignInAsync(string user = "alice")
    {
        var response = await Context.APIRequest.GetAsync($"account/local-login?user={user}&returnUrl=/health");
        Assert.True(response.Ok, $"sign-in as {user} answered {response.Status}");
    }

    /// <summary>Opens a page and waits until the Blazor circuit is connected and the page interactive.</summary>
    protected static async Task OpenAsync(IPage page, string path)
    {
        var socket = page.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.Contains("/_blazor", StringComparison.Ordinal) });
        await page.GotoAsync(path);
        await socket;
        await Expect(page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
    }

    protected Task OpenAsync(string path) => OpenAsync(Page, path);

    protected static string EnvironmentPath(string environment) => $"projects/{Project}/environments/{environment}";

    /// <summary>A demo environment's folder on disk, e.g. to change one of its files.</summary>
    protected string DemoFolder(string environment) => Path.Combine(App.DataPath, "demo", environment);

    /// <summary>A full-page screenshot under the test output's artifacts/screenshots, named by test and step.</summary>
    protected async Task ScreenshotAsync(string step, IPage? page = null)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        var test = TestContext.Current.TestMethod?.MethodName ?? "test";
        var file = Path.Combine(folder, $"{GetType().Name}.{test}.{++_screenshot:D2}-{step}.png");
        await (page ?? Page).ScreenshotAsync(new() { Path = file, FullPage = true });
    }

    /// <summary>
    /// No axe violation at all on what the page shows now, the whole page included: every rule axe has runs — minor and
    /// moderate ones, best practices, AAA and the experimental rules too, not only the WCAG A/AA tags axe runs by default.
    /// </summary>
    protected async Task AssertAccessibleAsync(string what, IPage? page = null)
    {
        page ??= Page;
        // Dialogs fade in: contrast measured mid-animation is wrong, so let running animations finish first.
        await page.EvaluateAsync("() => Promise.allSettled(document.getAnimations().map(a => a.finished))");
        var rules = (await page.GetAxeRules()).Select(r => r.RuleId).ToList();
        Assert.True(rules.Count > 90, $"axe offered only {rules.Count} rules");
        var result = await page.RunAxe(FocusTrapSentinelsLeftOut, new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "rule", Values = rules } });
        var bad = result.Violations
            .Select(v => $"{v.Impact} {v.Id}: {v.Help} — {string.Join("\n   | ", v.Nodes.Take(10).Select(n => $"{n.Html} {Why(n)}"))}")
            .ToList();
        Assert.True(bad.Count == 0, $"Accessibility violations on {what}:\n{string.Join("\n", bad)}");
    }

    /// <summary>
    /// The only nodes axe does not look at: the empty, invisible tabindex=0 sentinels MudBlazor's focus trap puts around every
    /// dialog. They hand focus straight back into the dialog (that is what keeps Tab inside it), so they never hold focus,
    /// but axe's experimental focus-order-semantics rule wants a widget role on them. Every rule still runs on the rest.
    /// </summary>
    private static readonly AxeRunContext FocusTrapSentinelsLeftOut = new()
    {
        Exclude = [new AxeSelector(".mud-focus-trap > div.fixed.pointer-events-none")],
    };

    /// <summary>What axe says is wrong with a node, e.g. the contrast it measured.</summary>
    private static string Why(AxeResultNode node) =>
        string.Join(" ", node.Any.Concat(node.All).Concat(node.None).Select(check => check.Message));

    /// <summary>Records every percent the page's progress texts show, so a test can tell the bar moved however fast it ran.</summary>
    protected static Task WatchProgressAsync(IPage page) => page.EvaluateAsync(@"() => {
        window.portalSeen = [];
        const record = () => document.querySelectorAll('.portal-progress').forEach(e => {
            const percent = parseInt(e.textContent, 10);
            if (!Number.isNaN(percent) && !window.portalSeen.includes(percent)) window.portalSeen.push(percent);
        });
        new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    }");

    protected static async Task<int[]> SeenProgressAsync(IPage page) => await page.EvaluateAsync<int[]>("() => window.portalSeen");

    protected static ILocator Entries(IPage page, string type) => page.Locator($"li.portal-entry[data-type='{type}']");

    protected static ILocator Chip(ILocator entry) => entry.Locator(".mud-chip");

    /// <summary>Waits until the entry finished, then requires success (a failure fails at once, with its reason).</summary>
    protected static async Task ExpectSucceededAsync(ILocator entry)
    {
        await Expect(Chip(entry)).ToHaveTextAsync(Finished(), new() { Timeout = 120_000 });
        var result = (await Chip(entry).InnerTextAsync()).Trim();
        Assert.True(result == "success", $"the activity ended with {result}: {await entry.InnerTextAsync()}");
    }

    [GeneratedRegex("^(success|failure)$")]
    private static partial Regex Finished();

    [GeneratedRegex(@"\?type=snapshot$")]
    protected static partial Regex SnapshotFilterUrl();
}
