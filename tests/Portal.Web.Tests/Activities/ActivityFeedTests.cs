namespace Portal.Web.Tests.Activities;

using AngleSharp.Dom;
using Portal.Core.Activities;
using Portal.Infrastructure.Demo;
using Portal.Web.Components.Activities;
using Portal.Web.Tests.Support;

public sealed class ActivityFeedTests : PortalComponentTest
{
    [Fact]
    public void Feed_lists_the_environment_messages_newest_first()
    {
        var page = RenderPage("develop-branch");

        var entries = page.WaitForElements("li.portal-entry", TimeSpan.FromSeconds(5));
        Assert.Equal(8, entries.Count);
        Assert.Contains("sitemap_generate", entries[0].TextContent);
        Assert.Contains("branched develop-branch", entries[^1].TextContent);
    }

    [Fact]
    public async Task Choosing_snapshot_in_all_types_of_writes_the_filter_to_the_url_and_filters_the_feed()
    {
        var (popovers, _) = RenderProviders();
        var page = RenderPage("develop-branch");
        page.WaitForElements("li.portal-entry");

        await SelectAsync(page, popovers, "all types of", "snapshot");

        Assert.EndsWith("?type=snapshot", Navigation.Uri);
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("li.portal-entry")));
        Assert.Contains("No messages match these filters", page.Find(".portal-empty").TextContent);
    }

    [Fact]
    public void Type_filter_from_the_url_shows_only_that_type()
    {
        Navigation.NavigateTo($"projects/{ProjectId}/environments/develop-branch?type=push");
        var page = RenderPage("develop-branch");

        var entries = page.WaitForElements("li.portal-entry");
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal("push", e.GetAttribute("data-type")));
    }

    [Fact]
    public async Task State_filter_from_the_url_shows_only_pending_activities()
    {
        await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: false, Cancel);
        Navigation.NavigateTo($"projects/{ProjectId}/environments/develop-branch?state=pending");

        var page = RenderPage("develop-branch");

        var entry = Assert.Single(page.WaitForElements("li.portal-entry"));
        Assert.Equal("pending", entry.GetAttribute("data-state"));
    }

    [Fact]
    public void Result_filter_from_the_url_shows_only_failures_with_their_reason()
    {
        Navigation.NavigateTo($"projects/{ProjectId}/environments/develop-branch?result=failure");
        var page = RenderPage("develop-branch");

        var entry = Assert.Single(page.WaitForElements("li.portal-entry"));
        Assert.Contains("build hook exited with code 1", entry.TextContent);
        Assert.Equal("failure", entry.QuerySelector(".mud-chip")!.TextContent.Trim());
    }

    [Fact]
    public async Task A_new_snapshot_appears_at_the_top_as_pending_at_once()
    {
        var page = RenderPage("develop-branch");
        page.WaitForElements("li.portal-entry");

        await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: false, Cancel);

        page.WaitForAssertion(() =>
        {
            var top = page.FindAll("li.portal-entry")[0];
            Assert.Equal("Alice created a snapshot of develop-branch", top.QuerySelector("p")!.TextContent.Trim());
            Assert.Equal("pending", top.QuerySelector(".mud-chip")!.TextContent.Trim());
        });
    }

    [Fact]
    public async Task Progress_published_through_activity_events_updates_the_entry_percent_and_eta_live()
    {
        var page = RenderPage("develop-branch");
        page.WaitForElements("li.portal-entry");
        var activity = await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: true, Cancel);
        page.WaitForElement($"li[data-activity='{activity.Id}']");

        Events.Publish(Update(activity, 42, "copying pub/media", TimeSpan.FromSeconds(30)));
        page.WaitForAssertion(() => Assert.Equal("42% · about 30 s left · copying pub/media", Progress(page, activity)));

        Events.Publish(Update(activity, 77, "dumping database", TimeSpan.FromSeconds(9)));
        page.WaitForAssertion(() => Assert.Equal("77% · about 9 s left · dumping database", Progress(page, activity)));
        Assert.Equal("in progress", page.Find($"li[data-activity='{activity.Id}'] .mud-chip").TextContent.Trim());
    }

    [Fact]
    public async Task Updates_of_other_environments_leave_the_feed_alone()
    {
        var page = RenderPage("develop-branch");
        page.WaitForElements("li.portal-entry");
        var other = await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "staging", live: true, Cancel);

        Events.Publish(Update(other, 42, "copying", null));

        Assert.Empty(page.FindAll($"li[data-activity='{other.Id}']"));
        Assert.Empty(page.FindAll(".portal-progress"));
    }

    [Fact]
    public async Task An_activity_that_completed_with_warnings_says_how_many()
    {
        var activity = await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: true, Cancel);
        await using (var db = await Service<Microsoft.EntityFrameworkCore.IDbContextFactory<Infrastructure.Persistence.PortalDbContext>>().CreateDbContextAsync(Cancel))
        {
            var stored = db.Activities.Single(a => a.Id == activity.Id);
            (stored.State, stored.Result, stored.Warnings) = (ActivityState.Complete, ActivityResult.Success, 3);
            await db.SaveChangesAsync(Cancel);
        }

        var page = RenderPage("develop-branch");

        var entry = page.WaitForElement($"li[data-activity='{activity.Id}']");
        Assert.Equal("· with 3 warnings", entry.QuerySelector("[data-testid=warnings]")!.TextContent.Trim());
        Assert.Equal("success", entry.QuerySelector(".mud-chip")!.TextContent.Trim());
    }

    [Fact]
    public async Task A_resync_reads_the_feed_and_the_top_pane_again_from_the_database()
    {
        var page = RenderPage("develop-branch");
        page.WaitForElements("li.portal-entry");
        var activity = await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: false, Cancel);
        page.WaitForElement($"li[data-activity='{activity.Id}']");

        // What another node did while this one was not hearing it: only the database knows.
        await using (var db = await Service<Microsoft.EntityFrameworkCore.IDbContextFactory<Infrastructure.Persistence.PortalDbContext>>().CreateDbContextAsync(Cancel))
        {
            var stored = db.Activities.Single(a => a.Id == activity.Id);
            (stored.State, stored.Result) = (ActivityState.Complete, ActivityResult.Failure);
            await db.SaveChangesAsync(Cancel);
        }

        await SetEnvironmentStatusAsync("develop-branch", Core.Environments.EnvironmentStatus.Paused);

        Events.Publish(ActivityUpdate.Resync());

        page.WaitForAssertion(() => Assert.Equal("failure", page.Find($"li[data-activity='{activity.Id}'] .mud-chip").TextContent.Trim()));
        page.WaitForAssertion(() => Assert.Contains("paused", page.Find(".mud-paper").TextContent));
    }

    [Fact]
    public void Expanding_an_entry_shows_its_log()
    {
        var page = RenderPage("develop-branch");
        var first = page.WaitForElements("li.portal-entry")[0];

        first.QuerySelector("button[aria-label='Show log']")!.Click();

        page.WaitForAssertion(() => Assert.Contains("sitemap_generate", page.Find("pre.portal-log").TextContent));
    }

    [Fact]
    public async Task Load_more_appends_the_next_page_of_older_messages()
    {
        var feed = Service<ActivityFeedService>();
        for (var i = 0; i < 20; i++)
        {
            await feed.ReportAsync(await ActorAsync(), ProjectId, "develop-branch", "push", $"Alice pushed commit {i} to develop-branch", Cancel);
        }

        var page = RenderPage("develop-branch");
        page.WaitForAssertion(() => Assert.Equal(20, page.FindAll("li.portal-entry").Count));

        page.Find("button:contains('Load more')").Click();

        page.WaitForAssertion(() => Assert.Equal(28, page.FindAll("li.portal-entry").Count));
        Assert.Contains("branched develop-branch", page.FindAll("li.portal-entry")[^1].TextContent);
        Assert.Empty(page.FindAll("button:contains('Load more')"));
    }

    [Fact]
    public async Task A_reported_activity_says_who_reported_it_and_that_it_came_through_the_API()
    {
        var bob = new Core.Common.Actor(DemoSeeder.ContributorUserId, "Bob");
        var reported = await Service<ActivityFeedService>().ReportAsync(bob, ProjectId, "develop-branch", "push", "Bob pushed 2 commits to develop-branch", Cancel);

        var page = RenderPage("develop-branch");

        var entry = page.WaitForElement($"li[data-activity='{reported.Id}']");
        Assert.Equal("api", entry.GetAttribute("data-reported"));
        Assert.Equal("Reported by Bob through the API ·", entry.QuerySelector(".portal-reported")!.TextContent.Trim());
        Assert.Equal("Bob pushed 2 commits to develop-branch", entry.QuerySelector("p")!.TextContent.Trim());

        // The demo's own history (pushes Portal recorded itself) claims no reporter.
        var others = page.FindAll("li.portal-entry").Where(e => e.GetAttribute("data-activity") != reported.Id).ToList();
        Assert.NotEmpty(others);
        Assert.All(others, e => Assert.Null(e.QuerySelector(".portal-reported")));
    }

    [Fact]
    public async Task Top_pane_follows_the_status_when_an_activity_starts()
    {
        var page = RenderPage("develop-branch");
        page.WaitForElements("li.portal-entry");
        var activity = await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: false, Cancel);
        page.WaitForElement($"li[data-activity='{activity.Id}']");
        await SetEnvironmentStatusAsync("develop-branch", Core.Environments.EnvironmentStatus.Paused);

        Events.Publish(Update(activity, 1, "pausing services", null));

        page.WaitForAssertion(() => Assert.Contains("paused", page.Find(".mud-paper").TextContent));
    }

    [Fact]
    public async Task The_environment_admin_cancels_a_pending_snapshot_from_its_entry()
    {
        var page = RenderPage("develop-branch");
        page.WaitForElements("li.portal-entry");
        var activity = await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: false, Cancel);
        var cancel = page.WaitForElement($"li[data-activity='{activity.Id}'] button[aria-label='Cancel: Alice created a snapshot of develop-branch']");

        await cancel.ClickAsync(new());

        page.WaitForAssertion(() =>
        {
            var entry = page.Find($"li[data-activity='{activity.Id}']");
            Assert.Equal("cancelled", entry.QuerySelector(".mud-chip")!.TextContent.Trim());
            Assert.Contains("cancelled by Alice before it started", entry.TextContent, StringComparison.Ordinal);
            Assert.Null(entry.QuerySelector("button[aria-label^='Cancel:']"));
        });
    }

    [Fact]
    public async Task A_viewer_sees_no_cancel_button()
    {
        var activity = await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: false, Cancel);
        SignInAs(DemoSeeder.ViewerUserId, "Carol");
        var page = RenderPage("develop-branch");

        var entry = page.WaitForElement($"li[data-activity='{activity.Id}']");

        Assert.Equal("pending", entry.QuerySelector(".mud-chip")!.TextContent.Trim());
        Assert.Null(entry.QuerySelector("button[aria-label^='Cancel:']"));
    }

    private static ActivityUpdate Update(Activity activity, int percent, string message, TimeSpan? eta) =>
        new(activity.Id, activity.ProjectId, activity.EnvironmentId, activity.Type, ActivityState.InProgress, null, percent, message, eta);

    private static string Progress(IRenderedComponent<Components.Pages.EnvironmentPage> page, Activity activity) =>
        page.Find($"li[data-activity='{activity.Id}'] .portal-progress").TextContent.Trim();

    private static async Task SelectAsync(IRenderedComponent<Components.Pages.EnvironmentPage> page,
        IRenderedComponent<MudBlazor.MudPopoverProvider> popovers, string label, string option)
    {
        var select = page.FindComponents<MudBlazor.MudSelect<string>>().Single(s => s.Instance.Label == label);
        await select.Find("div.mud-input-control").MouseDownAsync(new());
        var item = popovers.WaitForElements(".mud-list-item").First(i => i.TextContent.Trim() == option);
        await item.ClickAsync(new());
    }
}
