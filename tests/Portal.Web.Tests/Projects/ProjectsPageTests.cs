namespace Portal.Web.Tests.Projects;

using Portal.Infrastructure.Demo;
using Portal.Web.Components.Pages;
using Portal.Web.Tests.Support;

public sealed class ProjectsPageTests : PortalComponentTest
{
    [Fact]
    public async Task Lists_each_project_with_its_environment_count_newest_snapshot_and_failed_activities()
    {
        await AddProjectAsync("agency", "Agency shop", ["feature-a", "feature-b"]);
        await AddSnapshotAsync("develop-branch", DateTimeOffset.UtcNow.AddHours(-3));

        var page = Render<Projects>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tr[data-project]").Count));
        Assert.Equal(["Agency shop", "Demo shop"], page.FindAll("tr[data-project] a").Select(a => a.TextContent.Trim()));
        var agency = Cells(page, "agency");
        Assert.Equal(("3", "none yet", "0", "0"), (agency[1], agency[2], agency[3], agency[4]));
        var demo = Cells(page, DemoSeeder.ProjectId);
        Assert.Equal(("7", "3 hours ago"), (demo[1], demo[2]));
        Assert.Equal("projects/agency", page.Find("tr[data-project='agency'] a").GetAttribute("href"));
    }

    [Fact]
    public async Task The_search_box_keeps_only_projects_whose_title_or_id_matches()
    {
        await AddProjectAsync("agency", "Agency shop", []);
        var page = Render<Projects>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tr[data-project]").Count));

        page.Find("input").Input("DEMO");

        page.WaitForAssertion(() => Assert.Equal([DemoSeeder.ProjectId], page.FindAll("tr[data-project]").Select(r => r.GetAttribute("data-project"))));
        page.Find("input").Input("nothing like it");
        page.WaitForAssertion(() => Assert.Contains("No project matches", page.Find("[role=status]").TextContent));
    }

    [Fact]
    public async Task Home_sends_a_user_with_two_projects_to_the_projects_page_and_one_with_a_single_project_to_its_first_environment()
    {
        Render<Home>();
        Assert.EndsWith($"projects/{DemoSeeder.ProjectId}/environments/master", Navigation.Uri);

        await AddProjectAsync("agency", "Agency shop", []);
        Render<Home>();
        Assert.EndsWith("/projects", Navigation.Uri);
    }

    private static string[] Cells(IRenderedComponent<Projects> page, string projectId) =>
        [.. page.FindAll($"tr[data-project='{projectId}'] td").Select(td => td.TextContent.Trim())];
}
