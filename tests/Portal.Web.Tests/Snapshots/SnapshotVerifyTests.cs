namespace Portal.Web.Tests.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;
using Portal.Web.Components.Snapshots;
using Portal.Web.Tests.Support;

public sealed class SnapshotVerifyTests : PortalComponentTest
{
    [Fact]
    public async Task A_verified_snapshot_says_when_it_was_verified()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-1));
        await RecordVerifyAsync(snapshot.Id, DateTimeOffset.UtcNow.AddHours(-3), failure: null);
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        var row = dialogs.WaitForElement($"tr[data-snapshot='{snapshot.Id}']");
        Assert.Contains("yes, expires in", row.TextContent);
        Assert.Equal("verified 3 hours ago", row.QuerySelector(".portal-verified")!.TextContent.Trim());
        Assert.NotNull(row.QuerySelector("button:contains('restore')"));
    }

    [Fact]
    public async Task A_snapshot_that_failed_its_verify_is_not_restorable_and_the_row_says_what_is_damaged()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-1));
        var verifiedAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        const string Damage = "Snapshot object 0a1b (var:log/system.log) is corrupt (content hashes to 9f8e, 12 bytes).";
        await RecordVerifyAsync(snapshot.Id, verifiedAt, Damage);
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        var row = dialogs.WaitForElement($"tr[data-snapshot='{snapshot.Id}']");
        Assert.Contains($"Snapshot {snapshot.Id} failed its verification on {SnapshotRules.FormatUtc(verifiedAt)} and cannot be restored: {Damage}", row.TextContent);
        Assert.Null(row.QuerySelector("button:contains('restore')"));
        Assert.Null(row.QuerySelector(".portal-verified"));
    }

    [Fact]
    public async Task Verify_closes_the_dialog_and_the_pending_verify_tops_the_feed()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-2));
        var page = RenderPage("develop-branch");
        page.WaitForElement("button:contains('Snapshots')").Click();

        dialogs.WaitForElement($"tr[data-snapshot='{snapshot.Id}'] button:contains('verify')").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll(".mud-dialog")));
        page.WaitForAssertion(() =>
        {
            var top = page.FindAll("li.portal-entry")[0];
            Assert.Equal($"Alice verified snapshot {snapshot.Id} of develop-branch", top.QuerySelector("p")!.TextContent.Trim());
            Assert.Equal("pending", top.QuerySelector(".mud-chip")!.TextContent.Trim());
        });
    }

    [Fact]
    public async Task A_viewer_gets_no_verify_action()
    {
        var (_, dialogs) = RenderProviders();
        var snapshot = await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-2));
        SignInAs(DemoSeeder.ViewerUserId, "Carol");
        var view = await EnvironmentAsync("develop-branch");

        _ = dialogs.InvokeAsync(() => SnapshotsDialog.ShowAsync(Service<MudBlazor.IDialogService>(), ProjectId, view));

        var row = dialogs.WaitForElement($"tr[data-snapshot='{snapshot.Id}']");
        Assert.Null(row.QuerySelector("button:contains('verify')"));
    }

    /// <summary>What the verify activity writes on the snapshot when it ends.</summary>
    private async Task RecordVerifyAsync(string snapshotId, DateTimeOffset at, string? failure)
    {
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        await db.Snapshots.Where(s => s.Id == snapshotId)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.VerifiedAt, at).SetProperty(s => s.VerifyFailure, failure), Cancel);
    }
}
