namespace Portal.Web.Tests.Environments;

using Portal.Core.Alerts;
using Portal.Infrastructure.Demo;
using Portal.Web.Components.Environments;
using Portal.Web.Tests.Support;

/// <summary>Issue #16 item 5: the environment's banner shows its open alerts; its admins dismiss them, everyone else only reads them.</summary>
public sealed class AlertBannerTests : PortalComponentTest
{
    [Fact]
    public async Task Open_alerts_show_newest_first_and_an_admin_dismisses_one_with_its_close_button()
    {
        var now = DateTimeOffset.UtcNow;
        await AddAlertAsync("develop-branch", AlertKind.ScheduleMissed, "The scheduled snapshot of develop-branch due 2026-12-03 09:00 (UTC) did not happen.", now.AddHours(-2));
        var failed = await AddAlertAsync("develop-branch", AlertKind.ActivityFailed, "The snapshot of develop-branch failed: the mount 'var' is missing.", now.AddMinutes(-5));
        await AddAlertAsync("staging", AlertKind.ActivityFailed, "Another environment's alert.", now);
        RenderProviders();

        var banner = Render<AlertBanner>(p => p.Add(b => b.ProjectId, ProjectId).Add(b => b.EnvironmentName, "develop-branch"));

        banner.WaitForAssertion(() => Assert.Equal(2, banner.FindAll("[data-alert]").Count));
        var alerts = banner.FindAll("[data-alert]");
        Assert.Equal(("activity.failed", "schedule.missed"), (alerts[0].GetAttribute("data-alert"), alerts[1].GetAttribute("data-alert")));
        Assert.Contains("The snapshot of develop-branch failed: the mount 'var' is missing.", alerts[0].TextContent);
        Assert.Contains("mud-alert-outlined-error", alerts[0].ClassName);
        Assert.Contains("mud-alert-outlined-warning", alerts[1].ClassName);
        Assert.Equal("Alerts on develop-branch", banner.Find("section").GetAttribute("aria-label"));

        banner.FindAll("[data-alert] button.mud-alert-close, [data-alert] .mud-alert-close button")[0].Click();

        banner.WaitForAssertion(() => Assert.Single(banner.FindAll("[data-alert]")));
        Assert.Equal("schedule.missed", banner.Find("[data-alert]").GetAttribute("data-alert"));
        var open = await Service<AlertService>().ListOpenAsync(await ActorAsync(), ProjectId, "develop-branch", Cancel);
        Assert.DoesNotContain(open.Open, a => a.Id == failed.Id);
    }

    [Fact]
    public async Task A_viewer_reads_the_alerts_without_a_way_to_dismiss_them()
    {
        await AddAlertAsync("develop-branch", AlertKind.ActivityCancelled, "The restore of develop-branch was cancelled.", DateTimeOffset.UtcNow);
        SignInAs(DemoSeeder.ViewerUserId, "Carol");

        var banner = Render<AlertBanner>(p => p.Add(b => b.ProjectId, ProjectId).Add(b => b.EnvironmentName, "develop-branch"));

        banner.WaitForAssertion(() => Assert.Contains("The restore of develop-branch was cancelled.", banner.Markup));
        Assert.Empty(banner.FindAll(".mud-alert-close"));
    }

    [Fact]
    public async Task An_alert_raised_while_the_page_is_open_appears_without_a_reload()
    {
        var banner = Render<AlertBanner>(p => p.Add(b => b.ProjectId, ProjectId).Add(b => b.EnvironmentName, "develop-branch")
            .Add(b => b.RefreshEvery, TimeSpan.FromMilliseconds(50)));
        Assert.Empty(banner.FindAll("[data-alert]"));

        await AddAlertAsync("develop-branch", AlertKind.ActivityOverrun, "The snapshot of develop-branch has been running for 9 min, more than twice the usual 3 min.",
            DateTimeOffset.UtcNow);

        banner.WaitForAssertion(() => Assert.Equal("activity.overrun", banner.Find("[data-alert]").GetAttribute("data-alert")), TimeSpan.FromSeconds(10));
    }
}
