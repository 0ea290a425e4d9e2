namespace Portal.Web.Tests.Projects;

using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Infrastructure.Demo;
using Portal.Web.Components.Pages;
using Portal.Web.Tests.Support;

public sealed class ProjectOverviewTests : PortalComponentTest
{
    [Fact]
    public async Task Sorting_by_a_column_orders_the_rows_and_a_second_click_reverses_them_with_empty_values_last()
    {
        await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddDays(-2));
        await AddSnapshotAsync("staging", DateTimeOffset.UtcNow.AddDays(-1));
        var page = RenderOverview();
        page.WaitForAssertion(() => Assert.Equal(7, Rows(page).Count));

        page.Find("th button:contains('Last snapshot')").Click();
        Assert.Equal(["develop-branch", "staging"], Rows(page).Take(2));
        Assert.Equal("ascending", page.Find("th:contains('Last snapshot')").GetAttribute("aria-sort"));

        page.Find("th button:contains('Last snapshot')").Click();
        Assert.Equal(["staging", "develop-branch"], Rows(page).Take(2));

        page.Find("th button:contains('Environment')").Click();
        Assert.Equal(["develop-branch", "integration", "master", "old-feature", "production", "pro-staging", "staging"], Rows(page));
    }

    [Fact]
    public async Task Each_row_shows_its_types_retention_policy_and_its_open_alerts_with_a_link_to_the_environment()
    {
        await AddAlertAsync("staging", Core.Alerts.AlertKind.ActivityFailed, "The snapshot of staging failed.", DateTimeOffset.UtcNow);
        await AddAlertAsync("staging", Core.Alerts.AlertKind.ScheduleMissed, "The scheduled snapshot of staging did not happen.", DateTimeOffset.UtcNow);
        var page = RenderOverview();
        page.WaitForAssertion(() => Assert.Equal(7, Rows(page).Count));

        var retention = page.Find("tr[data-environment='master'] td[data-retention]");
        Assert.Equal("manual 7 d · auto 24h 7d 4w 3m", retention.QuerySelector("[aria-hidden=true]")!.TextContent.Trim());
        Assert.Equal("manual snapshots 7 days; automated ones 24 hourly, 7 daily, 4 weekly, 3 monthly", retention.QuerySelector(".portal-visually-hidden")!.TextContent.Trim());
        var alerts = page.Find("tr[data-environment='staging'] td[data-alerts]");
        Assert.Equal("2", alerts.GetAttribute("data-alerts"));
        Assert.Equal("2 open", alerts.TextContent.Trim());
        Assert.EndsWith("projects/demo-shop/environments/staging", alerts.QuerySelector("a")!.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Equal("none", page.Find("tr[data-environment='master'] td[data-alerts]").TextContent.Trim());
    }

    [Fact]
    public async Task An_environment_whose_newest_snapshot_is_older_than_its_schedule_promises_is_flagged_behind()
    {
        var schedules = Service<Core.Schedules.IScheduleRepository>();
        var now = DateTimeOffset.UtcNow;
        // Nightly at 01:00 since three days: develop-branch's newest snapshot is from before the last run, staging's from after it.
        foreach (var name in new[] { "develop-branch", "staging" })
        {
            var environment = (await EnvironmentAsync(name)).Environment;
            await schedules.SaveAsync(new Core.Schedules.SnapshotSchedule
            {
                ProjectId = ProjectId, EnvironmentId = environment.Id, Cron = "0 1 * * *", UpdatedBy = DemoSeeder.AdminUserId, UpdatedAt = now.AddDays(-3),
            }, Cancel);
        }

        await AddSnapshotAsync("develop-branch", now.AddDays(-2).AddHours(-1));
        await AddSnapshotAsync("staging", now.AddMinutes(-30));
        var page = RenderOverview();
        page.WaitForAssertion(() => Assert.Equal(7, Rows(page).Count));

        var behind = page.Find("tr[data-environment='develop-branch'] td[data-schedule]");
        Assert.Equal("behind", behind.GetAttribute("data-schedule"));
        Assert.Contains("behind schedule", behind.TextContent);
        Assert.Contains("no snapshot since the run due", behind.TextContent);
        Assert.Contains("0 1 * * *", behind.TextContent);
        var onTime = page.Find("tr[data-environment='staging'] td[data-schedule]");
        Assert.Equal("on-time", onTime.GetAttribute("data-schedule"));
        Assert.Matches(@"^next in \d+ (h|min)", onTime.TextContent.Trim());
        Assert.Equal("none", page.Find("tr[data-environment='master'] td[data-schedule]").TextContent.Trim());
    }

    [Fact]
    public void The_filter_keeps_rows_matching_every_word_in_title_branch_type_or_status()
    {
        var page = RenderOverview();
        page.WaitForAssertion(() => Assert.Equal(7, Rows(page).Count));

        page.Find("input").Input("pro staging");
        page.WaitForAssertion(() => Assert.Equal(["pro-staging"], Rows(page)));

        page.Find("input").Input("inactive");
        page.WaitForAssertion(() => Assert.Equal(["old-feature"], Rows(page)));
    }

    [Fact]
    public async Task A_running_snapshot_shows_its_progress_and_the_paused_status_live_and_its_end_without_a_reload()
    {
        var environment = (await EnvironmentAsync("develop-branch")).Environment;
        var page = RenderOverview();
        page.WaitForAssertion(() => Assert.Equal(7, Rows(page).Count));
        var snapshot = await Service<Core.Snapshots.SnapshotService>().CreateAsync(await ActorAsync(), ProjectId, "develop-branch", false, Cancel);
        Events.Publish(new ActivityUpdate(snapshot.Id, ProjectId, environment.Id, snapshot.Type, ActivityState.Pending, null, 0, null, null, IsNew: true));
        page.WaitForAssertion(() => Assert.Contains("pending", LastActivity(page, "develop-branch")));

        Events.Publish(StatusChange(environment, EnvironmentStatus.Paused) with { ActivityId = snapshot.Id, CompletionPercent = 40 });

        page.WaitForAssertion(() => Assert.Contains("40 %", LastActivity(page, "develop-branch")));
        Assert.Equal("paused", page.Find("tr[data-environment='develop-branch'] [data-status]").GetAttribute("data-status"));
        Assert.Equal("active", page.Find("tr[data-environment='staging'] [data-status]").GetAttribute("data-status"));
    }

    [Fact]
    public async Task A_resync_reads_the_overview_again_from_the_database()
    {
        var page = RenderOverview();
        page.WaitForAssertion(() => Assert.Equal(7, Rows(page).Count));
        await SetEnvironmentStatusAsync("develop-branch", EnvironmentStatus.Paused);

        Events.Publish(ActivityUpdate.Resync());

        page.WaitForAssertion(() => Assert.Equal("paused", page.Find("tr[data-environment='develop-branch'] [data-status]").GetAttribute("data-status")));
    }

    [Fact]
    public void Project_admins_see_who_has_access_and_viewers_do_not()
    {
        var page = RenderOverview();
        page.WaitForAssertion(() => Assert.Contains("Who has access", page.Markup));
        Assert.Contains("Carol (viewer)", page.Markup);
        Assert.Equal($"projects/{ProjectId}/access", page.Find("a:contains('Manage user access')").GetAttribute("href"));

        SignInAs(DemoSeeder.ViewerUserId, "Carol");
        var viewer = RenderOverview();
        viewer.WaitForAssertion(() => Assert.Equal(7, Rows(viewer).Count));
        Assert.DoesNotContain("Who has access", viewer.Markup);
    }

    private IRenderedComponent<ProjectOverview> RenderOverview() => Render<ProjectOverview>(p => p.Add(x => x.ProjectId, ProjectId));

    private static List<string?> Rows(IRenderedComponent<ProjectOverview> page) =>
        [.. page.FindAll("tbody tr[data-environment]").Select(r => r.GetAttribute("data-environment"))];

    private static string LastActivity(IRenderedComponent<ProjectOverview> page, string environment) =>
        page.Find($"tr[data-environment='{environment}'] [data-last-activity]").TextContent;
}
