namespace Portal.Web.Tests.Environments;

using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;
using Portal.Web.Tests.Support;

public sealed class EnvironmentPageTests : PortalComponentTest
{
    [Fact]
    public void Top_pane_shows_the_environment_name_branch_type_plan_and_status()
    {
        var page = RenderPage("develop-branch");

        page.WaitForAssertion(() => Assert.Equal("Develop branch", page.Find("h1").TextContent.Trim()));
        var text = page.Find(".mud-paper").TextContent;
        Assert.Contains("develop-branch", text);
        Assert.Contains("development · Pro", text);
        Assert.Contains("active", text);
        Assert.Contains("none yet", text);
    }

    [Fact]
    public void Breadcrumbs_lead_from_the_projects_page_through_the_project_to_the_environment()
    {
        var page = RenderPage("develop-branch");

        page.WaitForAssertion(() => Assert.Equal(["Projects", "Demo shop", "Develop branch"],
            page.FindAll(".mud-breadcrumb-item").Select(i => i.TextContent.Trim())));
        Assert.Equal(["projects", $"projects/{DemoSeeder.ProjectId}"], page.FindAll("nav[aria-label='Breadcrumbs'] a:not([aria-current])").Select(a => a.GetAttribute("href")));
        Assert.Equal("Develop branch", page.Find("[aria-current=page]").TextContent.Trim());
    }

    [Fact]
    public async Task Service_problems_found_by_the_checks_are_shown_on_the_environment()
    {
        var environment = (await EnvironmentAsync("develop-branch")).Environment;
        Service<Portal.Core.Environments.ServiceHealth>().Record(environment.Id, ["Mount 'var': the folder /srv/var does not exist."]);

        var page = RenderPage("develop-branch");

        page.WaitForAssertion(() => Assert.Equal(
            "Mount 'var': the folder /srv/var does not exist.",
            page.Find("[data-testid='service-problem']").TextContent.Trim()));
    }

    [Fact]
    public void Snapshots_button_is_enabled_for_an_admin_on_an_active_starter_or_development_environment()
    {
        var page = RenderPage("develop-branch");

        var button = page.WaitForElement("button:contains('Snapshots')");
        Assert.False(button.HasAttribute("disabled"));
        Assert.Empty(page.FindAll(".portal-guarded"));
    }

    [Theory]
    [InlineData("pro-staging", SnapshotRules.ProPlanMessage)]
    [InlineData("production", SnapshotRules.ProPlanMessage)]
    [InlineData("old-feature", "Snapshots are not available on inactive environments: activate old-feature first.")]
    public void Snapshots_button_is_disabled_with_the_rule_as_its_reason(string environment, string reason)
    {
        var page = RenderPage(environment);

        AssertSnapshotsDisabledBecause(page, reason);
    }

    [Fact]
    public void Snapshots_button_is_disabled_for_a_viewer_saying_which_role_is_missing()
    {
        SignInAs(DemoSeeder.ViewerUserId, "Carol");

        var page = RenderPage("develop-branch");

        AssertSnapshotsDisabledBecause(page,
            "You need the Admin role on development environments to create snapshots; your role there is viewer.");
    }

    [Fact]
    public void Unknown_environment_shows_the_refusal_instead_of_an_error()
    {
        var page = RenderPage("no-such-branch");

        page.WaitForAssertion(() => Assert.Contains("no-such-branch", page.Find(".mud-alert").TextContent));
        Assert.Empty(page.FindAll("button:contains('Snapshots')"));
    }

    [Fact]
    public async Task Last_snapshot_time_shows_in_the_top_pane_with_utc_on_hover()
    {
        var taken = new DateTimeOffset(2026, 11, 20, 14, 30, 0, TimeSpan.Zero);
        await AddSnapshotAsync("develop-branch", taken);

        var page = RenderPage("develop-branch");

        page.WaitForAssertion(() => Assert.Equal("2026-11-20 14:30:00 UTC", page.Find(".mud-paper time").GetAttribute("title")));
    }

    private static void AssertSnapshotsDisabledBecause(IRenderedComponent<Components.Pages.EnvironmentPage> page, string reason)
    {
        var button = page.WaitForElement("button:contains('Snapshots')");
        Assert.True(button.HasAttribute("disabled"));
        var describedBy = button.GetAttribute("aria-describedby");
        Assert.Equal(reason, page.Find($"#{describedBy}").TextContent);
        Assert.Equal(reason, button.Closest(".portal-guarded")!.GetAttribute("data-reason"));
    }
}
