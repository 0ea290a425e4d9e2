namespace Portal.Web.Tests.Environments;

using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Web.Components.Environments;
using Portal.Web.Tests.Support;

public sealed class EnvironmentTreeTests : PortalComponentTest
{
    [Fact]
    public async Task Status_dot_turns_paused_while_an_activity_pauses_the_environment_and_active_again_without_a_reload()
    {
        var environment = (await EnvironmentAsync("develop-branch")).Environment;
        var tree = RenderEnvironmentTree();
        tree.WaitForAssertion(() => Assert.Equal("active", StatusShown(tree, "develop-branch")));

        await SetEnvironmentStatusAsync("develop-branch", EnvironmentStatus.Paused);
        Events.Publish(StatusChange(environment, EnvironmentStatus.Paused));

        tree.WaitForAssertion(() => Assert.Equal("paused", StatusShown(tree, "develop-branch")));
        Assert.Equal("active", StatusShown(tree, "integration"));

        await SetEnvironmentStatusAsync("develop-branch", EnvironmentStatus.Active);
        Events.Publish(StatusChange(environment, EnvironmentStatus.Active));

        tree.WaitForAssertion(() => Assert.Equal("active", StatusShown(tree, "develop-branch")));
    }

    [Fact]
    public async Task A_resync_reads_the_statuses_again_from_the_database()
    {
        var tree = RenderEnvironmentTree();
        tree.WaitForAssertion(() => Assert.Equal("active", StatusShown(tree, "develop-branch")));
        await SetEnvironmentStatusAsync("develop-branch", EnvironmentStatus.Paused);

        Events.Publish(ActivityUpdate.Resync());

        tree.WaitForAssertion(() => Assert.Equal("paused", StatusShown(tree, "develop-branch")));
        Assert.Equal("active", StatusShown(tree, "integration"));
    }

    [Fact]
    public async Task Progress_without_a_status_change_leaves_the_dots_as_they_are()
    {
        var environment = (await EnvironmentAsync("develop-branch")).Environment;
        var tree = RenderEnvironmentTree();
        tree.WaitForAssertion(() => Assert.Equal("active", StatusShown(tree, "develop-branch")));

        Events.Publish(StatusChange(environment, null));
        Events.Publish(StatusChange(environment, EnvironmentStatus.Paused) with { ProjectId = "another-project" });

        Assert.Equal("active", StatusShown(tree, "develop-branch"));
    }

    [Fact]
    public async Task The_tree_stops_listening_for_activity_updates_once_disposed()
    {
        var events = new CountingActivityEvents();
        Services.AddSingleton<IActivityEvents>(events);
        var tree = RenderEnvironmentTree();
        tree.WaitForElement("[data-environment='develop-branch']");
        Assert.Equal(1, events.Subscribers);

        await DisposeComponentsAsync();

        Assert.Equal(0, events.Subscribers);
    }

    [Fact]
    public void A_filter_matching_deep_in_the_tree_keeps_the_ancestors_of_the_match_and_hides_the_rest()
    {
        var tree = RenderEnvironmentTree();
        tree.WaitForAssertion(() => Assert.Equal(7, Listed(tree).Count));

        tree.Find("[data-portal-filter] input").Input("DEVELOP");

        tree.WaitForAssertion(() => Assert.Equal(["master", "staging", "integration", "develop-branch"], Listed(tree)));
        tree.Find("[data-portal-filter] input").Input("Pro Staging");
        tree.WaitForAssertion(() => Assert.Equal(["master", "production", "pro-staging"], Listed(tree)));
    }

    [Fact]
    public void Enter_in_the_filter_opens_the_first_match_rather_than_an_ancestor_kept_for_context()
    {
        var tree = RenderEnvironmentTree();
        tree.WaitForAssertion(() => Assert.Equal(7, Listed(tree).Count));

        tree.Find("[data-portal-filter] input").Input("integ");
        tree.Find("[data-portal-filter] input").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });

        Assert.EndsWith($"projects/{ProjectId}/environments/integration", Navigation.Uri);
    }

    [Fact]
    public void A_filter_without_a_match_says_so_and_escape_brings_the_whole_tree_back()
    {
        var tree = RenderEnvironmentTree();
        tree.WaitForAssertion(() => Assert.Equal(7, Listed(tree).Count));

        tree.Find("[data-portal-filter] input").Input("no such branch");
        tree.WaitForAssertion(() => Assert.Contains("No environment matches", tree.Find("[role=status]").TextContent));
        Assert.Empty(Listed(tree));

        tree.Find("[data-portal-filter] input").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Escape" });
        tree.WaitForAssertion(() => Assert.Equal(7, Listed(tree).Count));
    }

    [Fact]
    public void The_selected_environment_is_scrolled_into_view_once_the_tree_lists_it()
    {
        var tree = RenderEnvironmentTree();
        tree.WaitForElement("[data-environment='develop-branch'][aria-current=page]");

        tree.WaitForAssertion(() => Assert.Single(JSInterop.Invocations, i => i.Identifier == "portal.revealCurrent"));
        tree.Render(p => p.Add(x => x.Selected, "staging"));
        tree.WaitForAssertion(() => Assert.Equal(2, JSInterop.Invocations.Count(i => i.Identifier == "portal.revealCurrent")));
    }

    private static List<string?> Listed(IRenderedComponent<EnvironmentTree> tree) =>
        [.. tree.FindAll("[data-environment]").Select(e => e.GetAttribute("data-environment"))];

    private IRenderedComponent<EnvironmentTree> RenderEnvironmentTree() =>
        Render<EnvironmentTree>(p => p.Add(x => x.ProjectId, ProjectId).Add(x => x.Selected, "develop-branch"));

    private static string? StatusShown(IRenderedComponent<EnvironmentTree> tree, string environmentName) =>
        tree.Find($"[data-environment='{environmentName}'] .portal-dot").GetAttribute("title");
}
