namespace Portal.Web.Tests.Snapshots;

using Portal.Infrastructure.Demo;
using Portal.Web.Components.Snapshots;
using Portal.Web.Tests.Support;

/// <summary>Issue #16 item 1 in the Snapshots dialog: the schedule editor shows the next runs in words as an expression is typed, says what is wrong with a bad one, and saves.</summary>
public sealed class ScheduleEditorTests : PortalComponentTest
{
    [Fact]
    public void Typing_an_expression_shows_its_next_five_runs_in_words_and_saving_keeps_it()
    {
        RenderProviders();
        var editor = Render<ScheduleEditor>(p => p.Add(e => e.ProjectId, ProjectId).Add(e => e.EnvironmentName, "develop-branch"));
        editor.WaitForAssertion(() => Assert.Contains("No schedule: snapshots are taken only when someone asks for one.", editor.Markup));
        Assert.Contains("in UTC; at most hourly", editor.Find(".mud-input-helper-text").TextContent);

        editor.Find("input").Input("30 2 * * 6");

        var runs = editor.FindAll("ul.portal-next-runs li").Select(li => li.TextContent.Trim()).ToList();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, run => Assert.Matches(@"^Saturday \d{1,2} \w+ \d{4} at 02:30 \(UTC\), in \d+ (hours?|days?)$", run));
        Assert.Contains("Its next runs would be:", editor.Markup);

        editor.Find("button:contains('Save schedule')").Click();

        editor.WaitForAssertion(() => Assert.Contains("Next runs:", editor.Markup));
        Assert.NotNull(editor.Find("button:contains('Remove schedule')"));
        var saved = Render<ScheduleEditor>(p => p.Add(e => e.ProjectId, ProjectId).Add(e => e.EnvironmentName, "develop-branch"));
        saved.WaitForAssertion(() => Assert.Equal("30 2 * * 6", saved.Find("input").GetAttribute("value")));
    }

    [Fact]
    public void A_bad_expression_says_why_and_cannot_be_saved()
    {
        RenderProviders();
        var editor = Render<ScheduleEditor>(p => p.Add(e => e.ProjectId, ProjectId).Add(e => e.EnvironmentName, "develop-branch"));
        editor.WaitForElement("input");

        editor.Find("input").Input("*/5 * * * *");

        Assert.Contains("fires every 5 minutes; snapshots can be scheduled at most once an hour", editor.Find(".mud-input-helper-text").TextContent);
        Assert.Empty(editor.FindAll("ul.portal-next-runs li"));
        Assert.True(editor.Find("button:contains('Save schedule')").HasAttribute("disabled"));
    }

    [Fact]
    public void A_viewer_sees_the_schedule_read_only_with_the_reason()
    {
        RenderProviders();
        var admin = Render<ScheduleEditor>(p => p.Add(e => e.ProjectId, ProjectId).Add(e => e.EnvironmentName, "develop-branch"));
        admin.WaitForElement("input").Input("0 4 * * *");
        admin.Find("button:contains('Save schedule')").Click();
        admin.WaitForAssertion(() => Assert.Contains("Next runs:", admin.Markup));
        SignInAs(DemoSeeder.ViewerUserId, "Carol");

        var viewer = Render<ScheduleEditor>(p => p.Add(e => e.ProjectId, ProjectId).Add(e => e.EnvironmentName, "develop-branch"));

        viewer.WaitForAssertion(() => Assert.Equal(5, viewer.FindAll("ul.portal-next-runs li").Count));
        Assert.True(viewer.Find("input").HasAttribute("readonly"));
        Assert.Contains("You need the Admin role on development environments to schedule snapshots; your role there is viewer.",
            viewer.Find(".portal-guarded").GetAttribute("data-reason"));
    }
}
