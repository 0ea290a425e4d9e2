namespace Portal.Web.Tests.Snapshots;

using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;
using Portal.Web.Components.Snapshots;
using Portal.Web.Tests.Support;

/// <summary>The Snapshots dialog's retention preview before a create, and the pin toggle with its reason dialog.</summary>
public sealed class SnapshotRetentionDialogTests : PortalComponentTest
{
    public SnapshotRetentionDialogTests()
    {
        Services.PostConfigure<SnapshotOptions>(o => o.Retention.Development.ManualMax = 2);
    }

    [Fact]
    public async Task Before_a_create_at_the_maximum_the_dialog_names_the_snapshot_it_would_rotate_out()
    {
        var (_, dialogs) = RenderProviders();
        var oldest = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-2));
        var newer = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-1));
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        var preview = Regex.Replace(dialogs.WaitForElement("[data-testid='rotation-preview']").TextContent, @"\s+", " ");
        Assert.Contains($"Creating a snapshot rotates out snapshot {oldest.Id}", preview);
        Assert.Contains("at most 2 manual snapshots are kept on development environments", preview);
        Assert.DoesNotContain(newer.Id, preview);
    }

    [Fact]
    public async Task Below_the_maximum_or_once_the_oldest_is_pinned_nothing_is_announced()
    {
        var (_, dialogs) = RenderProviders();
        var oldest = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-2));
        await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-1));
        await Service<SnapshotService>().PinAsync(await ActorAsync(), ProjectId, "develop-branch", oldest.Id, "audit", Cancel);
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        dialogs.WaitForElement($"tr[data-snapshot='{oldest.Id}']");
        Assert.Empty(dialogs.FindAll("[data-testid='rotation-preview']"));
    }

    [Fact]
    public async Task The_pin_toggle_asks_why_pins_shows_the_reason_and_unpins_both_recorded_in_the_feed()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-1));
        var view = await EnvironmentAsync("develop-branch");
        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));
        var toggle = $"tr[data-snapshot='{snapshot.Id}'] button[aria-label='Pin snapshot {snapshot.Id}']";

        Assert.Equal("false", dialogs.WaitForElement(toggle).GetAttribute("aria-pressed"));
        dialogs.Find(toggle).Click();
        dialogs.WaitForAssertion(() => Assert.Equal("Pin snapshot", dialogs.Find("#pin-dialog-title").TextContent));
        Assert.True(dialogs.Find("button:contains('Pin')").HasAttribute("disabled"));
        dialogs.Find(".portal-pin-reason input").Input("kept for the tax audit");
        dialogs.WaitForElement(".mud-dialog button:contains('Pin'):not([disabled])").Click();

        dialogs.WaitForAssertion(() => Assert.Equal("Pinned: kept for the tax audit", dialogs.Find($"tr[data-snapshot='{snapshot.Id}'] [data-testid='pin-reason']").TextContent.Trim()));
        // The row may show the pin (a live update of the feed's record) a moment before the pin call returns and closes the dialog.
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("#pin-dialog-title")));
        Assert.Equal("true", dialogs.Find(toggle).GetAttribute("aria-pressed"));

        dialogs.Find(toggle).Click();
        dialogs.WaitForAssertion(() => Assert.Equal("false", dialogs.Find(toggle).GetAttribute("aria-pressed")));
        Assert.Empty(dialogs.FindAll($"tr[data-snapshot='{snapshot.Id}'] [data-testid='pin-reason']"));
        var feed = await Service<ActivityFeedService>().ListAsync(await ActorAsync(),
            new ActivityQuery { ProjectId = ProjectId, EnvironmentName = "develop-branch" }, Cancel);
        Assert.Equal([ActivityTypes.SnapshotUnpin, ActivityTypes.SnapshotPin], feed.Items.Where(a => a.SnapshotId == snapshot.Id).Select(a => a.Type));
    }

    [Fact]
    public async Task A_viewer_sees_the_pin_its_reason_and_that_it_stays_restorable_past_its_window_but_no_toggle()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-9));
        await Service<SnapshotService>().PinAsync(await ActorAsync(), ProjectId, "develop-branch", snapshot.Id, "legal hold", Cancel);
        SignInAs(DemoSeeder.ViewerUserId, "Carol");
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        var row = dialogs.WaitForElement($"tr[data-snapshot='{snapshot.Id}']");
        Assert.Equal("Pinned: legal hold", row.QuerySelector("[data-testid='pin-reason']")!.TextContent.Trim());
        Assert.Contains("yes, while pinned", row.TextContent);
        Assert.Null(row.QuerySelector("button[aria-label^='Pin snapshot']"));
    }
}
