namespace Portal.Web.Tests.Snapshots;

using MudBlazor.Extensions;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;
using Portal.Web.Components.Snapshots;
using Portal.Web.Tests.Support;

public sealed class SnapshotDialogTests : PortalComponentTest
{
    [Fact]
    public async Task Snapshots_dialog_says_what_a_snapshot_contains_and_offers_live_and_create()
    {
        var (_, dialogs) = RenderProviders();
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        dialogs.WaitForAssertion(() => Assert.Contains("No snapshots yet", dialogs.Markup));
        var text = dialogs.Find(".mud-dialog-content").TextContent;
        Assert.Contains("A snapshot captures the data of develop-branch: database (SQLite) and the mounts app/etc, pub/media, var. It never contains code.", text);
        Assert.Contains("no downtime; database and files may be captured a moment apart", text);
        Assert.Equal("Live", dialogs.Find(".mud-switch").TextContent.Trim());
        Assert.False(dialogs.Find("button:contains('Create')").HasAttribute("disabled"));
    }

    [Fact]
    public void Create_closes_the_dialog_and_the_pending_snapshot_tops_the_feed()
    {
        var (_, dialogs) = RenderProviders();
        var page = RenderPage("develop-branch");

        page.WaitForElement("button:contains('Snapshots')").Click();
        dialogs.WaitForElement("button:contains('Create')").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll(".mud-dialog")));
        page.WaitForAssertion(() =>
        {
            var top = page.FindAll("li.portal-entry")[0];
            Assert.Equal("snapshot", top.GetAttribute("data-type"));
            Assert.Equal("pending", top.QuerySelector(".mud-chip")!.TextContent.Trim());
        });
    }

    [Fact]
    public async Task Snapshot_table_lists_created_id_restorable_and_size_with_a_restore_action()
    {
        var (_, dialogs) = RenderProviders();
        var fresh = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-1).AddMinutes(-5), size: 3 * 1024 * 1024);
        var expired = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-9));
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        var headers = dialogs.WaitForElements("table th").Select(th => th.TextContent.Trim()).ToList();
        Assert.Equal(["Created", "Snapshot ID", "Restorable", "Size", "Actions"], headers);
        var row = dialogs.Find($"tr[data-snapshot='{fresh.Id}']");
        Assert.Contains(fresh.Id, row.TextContent);
        Assert.Contains("yes, expires in 5 days", row.TextContent);
        Assert.Contains("3.0 MB", row.TextContent);
        Assert.NotNull(row.QuerySelector("button[aria-label='Copy snapshot ID']"));
        Assert.False(row.QuerySelector("button:contains('restore')")!.HasAttribute("disabled"));
        var old = dialogs.Find($"tr[data-snapshot='{expired.Id}']");
        Assert.Contains($"Snapshot {expired.Id} expired on", old.TextContent);
        Assert.Null(old.QuerySelector("button:contains('restore')"));
    }

    [Fact]
    public async Task A_viewer_sees_restorable_snapshots_but_no_restore_action()
    {
        var (_, dialogs) = RenderProviders();
        var fresh = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-2));
        SignInAs(DemoSeeder.ViewerUserId, "Carol");
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        var row = dialogs.WaitForElement($"tr[data-snapshot='{fresh.Id}']");
        Assert.Contains("yes, expires in 6 days", row.TextContent);
        Assert.Null(row.QuerySelector("button:contains('restore')"));
    }

    [Fact]
    public async Task Copy_snapshot_id_puts_the_id_on_the_clipboard()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-1));
        var view = await EnvironmentAsync("develop-branch");
        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        dialogs.WaitForElement($"tr[data-snapshot='{snapshot.Id}'] button[aria-label='Copy snapshot ID']").Click();

        var copy = JSInterop.VerifyInvoke("portal.copy");
        Assert.Equal(snapshot.Id, copy.Arguments.Single());
    }

    [Fact]
    public async Task Restore_dialog_shows_the_restore_date_in_local_time_and_utc_and_what_is_replaced()
    {
        var (_, dialogs) = RenderProviders();
        var created = DateTimeOffset.UtcNow.AddDays(-2).AddMinutes(-3);
        var snapshot = await AddSnapshotAsync("develop-branch", created, safe: false);

        _ = dialogs.InvokeAsync(() => RestoreDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, "develop-branch", snapshot.Id));

        dialogs.WaitForAssertion(() => Assert.Equal("Restore snapshot", dialogs.Find("#restore-dialog-title").TextContent));
        var date = dialogs.WaitForElement("[data-testid='restore-date']").TextContent;
        Assert.Contains(Components.Shared.Display.Local(created, null), date);
        Assert.Contains(Components.Shared.Display.Utc(created), date);
        Assert.Contains("2 days ago", date);
        var text = dialogs.Find(".mud-dialog-content").TextContent;
        Assert.Contains("database, app/etc, pub/media, var. Code is not changed.", text);
        Assert.Contains("made by Alice, live", text);
        Assert.Contains("under a minute (typical rate; no restore has run here yet)", text);
        Assert.Contains($"Changes made after {Components.Shared.Display.Local(created, null)} will be lost", text);
        Assert.Contains("Take a safety snapshot first", text);
        Assert.True(dialogs.FindComponent<MudBlazor.MudCheckBox<bool>>().Instance.GetState(x => x.Value));
    }

    [Fact]
    public async Task Restore_dialog_names_a_snapshot_maker_portal_does_not_know_by_their_user_id()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-1), createdBy: "oid-gone");

        _ = dialogs.InvokeAsync(() => RestoreDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, "develop-branch", snapshot.Id));

        dialogs.WaitForAssertion(() => Assert.Contains("made by oid-gone, not live", dialogs.Find(".mud-dialog-content").TextContent));
    }

    [Fact]
    public async Task Restore_sends_the_restore_and_it_appears_pending_in_the_feed()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-3));
        var page = RenderPage("develop-branch");
        page.WaitForElement("button:contains('Snapshots')").Click();
        dialogs.WaitForElement($"tr[data-snapshot='{snapshot.Id}'] button:contains('restore')").Click();

        dialogs.WaitForElement(".mud-dialog-actions button:contains('Restore')").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll(".mud-dialog")));
        page.WaitForAssertion(() =>
        {
            var top = page.FindAll("li.portal-entry")[0];
            Assert.Equal("restore", top.GetAttribute("data-type"));
            Assert.Equal($"Alice restored snapshot {snapshot.Id} of develop-branch", top.QuerySelector("p")!.TextContent.Trim());
            Assert.Equal("pending", top.QuerySelector(".mud-chip")!.TextContent.Trim());
        });
        var stored = await Service<ActivityFeedService>().ListAsync(await ActorAsync(),
            new ActivityQuery { ProjectId = ProjectId, EnvironmentName = "develop-branch", Types = [ActivityTypes.Restore] }, Cancel);
        Assert.True(SnapshotPayload.Parse(Assert.Single(stored.Items).Payload).TakeSafetySnapshot);
    }

    [Fact]
    public async Task Restore_button_in_the_feed_opens_the_review_of_that_snapshot()
    {
        var (_, dialogs) = RenderProviders();
        var activity = await Service<SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", live: false, Cancel);
        await CompleteSnapshotAsync(activity);
        var page = RenderPage("develop-branch");

        page.WaitForElement($"li[data-activity='{activity.Id}'] button:contains('restore')").Click();

        dialogs.WaitForAssertion(() => Assert.Contains(activity.SnapshotId!, dialogs.Find(".mud-dialog-content").TextContent));
    }

    [Fact]
    public async Task A_viewer_sees_why_restore_is_refused()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-3));
        SignInAs(DemoSeeder.ViewerUserId, "Carol");

        _ = dialogs.InvokeAsync(() => RestoreDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, "develop-branch", snapshot.Id));

        var restore = dialogs.WaitForElement(".mud-dialog-actions button:contains('Restore')");
        Assert.True(restore.HasAttribute("disabled"));
        Assert.Equal("You need the Admin role on development environments to restore snapshots; your role there is viewer.",
            dialogs.Find($"#{restore.GetAttribute("aria-describedby")}").TextContent);
    }

    [Fact]
    public void Unknown_snapshot_shows_the_refusal_message_in_the_dialog()
    {
        var (_, dialogs) = RenderProviders();

        _ = dialogs.InvokeAsync(() => RestoreDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, "develop-branch", "zzzzzzzzzzzz"));

        dialogs.WaitForAssertion(() => Assert.Equal(
            "Snapshot 'zzzzzzzzzzzz' was not found on environment develop-branch.", dialogs.Find(".mud-alert-message").TextContent.Trim()));
    }

    /// <summary>What the worker records when a snapshot succeeds: the activity complete, the snapshot created.</summary>
    private async Task CompleteSnapshotAsync(Activity activity)
    {
        var contexts = Service<Microsoft.EntityFrameworkCore.IDbContextFactory<Infrastructure.Persistence.PortalDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(Cancel);
        var stored = db.Activities.Single(a => a.Id == activity.Id);
        stored.State = ActivityState.Complete;
        stored.Result = ActivityResult.Success;
        stored.CompletionPercent = 100;
        stored.StartedAt = activity.CreatedAt;
        stored.CompletedAt = activity.CreatedAt.AddSeconds(20);
        // SnapshotService.CreateAsync queued the row as "being created".
        var snapshot = db.Snapshots.Single(s => s.Id == activity.SnapshotId);
        snapshot.Status = SnapshotStatus.Created;
        snapshot.ExpiresAt = activity.CreatedAt.AddDays(7);
        await db.SaveChangesAsync(Cancel);
    }
}
