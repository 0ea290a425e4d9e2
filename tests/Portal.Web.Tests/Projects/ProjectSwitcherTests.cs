namespace Portal.Web.Tests.Projects;

using Microsoft.AspNetCore.Components.Web;
using Portal.Web.Components.Projects;
using Portal.Web.Tests.Support;

public sealed class ProjectSwitcherTests : PortalComponentTest
{
    [Fact]
    public async Task Typing_filters_the_projects_and_enter_opens_the_one_left()
    {
        await AddProjectAsync("agency", "Agency shop", []);
        await AddProjectAsync("bakery", "Bakery", []);
        var (popovers, _) = RenderProviders();
        var switcher = Render<ProjectSwitcher>(p => p.Add(x => x.ProjectId, ProjectId));
        var input = switcher.Find("input");
        Assert.Equal("Demo shop", input.GetAttribute("value"));

        await input.FocusAsync(new FocusEventArgs());
        popovers.WaitForAssertion(() => Assert.Equal(["Agency shop", "Bakery", "Demo shop"], Choices(popovers)));

        switcher.Find("input").Input("ag");
        popovers.WaitForAssertion(() => Assert.Equal(["Agency shop"], Choices(popovers)));
        await PressAsync(switcher, "Enter");

        switcher.WaitForAssertion(() => Assert.EndsWith("/projects/agency", Navigation.Uri));
    }

    [Fact]
    public async Task Arrow_keys_move_from_the_current_project_through_the_list_and_enter_opens_the_one_reached()
    {
        await AddProjectAsync("agency", "Agency shop", []);
        await AddProjectAsync("bakery", "Bakery", []);
        var (popovers, _) = RenderProviders();
        var switcher = Render<ProjectSwitcher>(p => p.Add(x => x.ProjectId, ProjectId));
        await switcher.Find("input").FocusAsync(new FocusEventArgs());
        popovers.WaitForAssertion(() => Assert.Equal(3, Choices(popovers).Count));

        await PressAsync(switcher, "ArrowUp");
        await PressAsync(switcher, "ArrowUp");
        await PressAsync(switcher, "ArrowDown");
        await PressAsync(switcher, "Enter");

        switcher.WaitForAssertion(() => Assert.EndsWith("/projects/bakery", Navigation.Uri));
    }

    [Fact]
    public async Task Escape_closes_the_list_and_keeps_the_current_project()
    {
        await AddProjectAsync("agency", "Agency shop", []);
        var (popovers, _) = RenderProviders();
        var switcher = Render<ProjectSwitcher>(p => p.Add(x => x.ProjectId, ProjectId));
        await switcher.Find("input").FocusAsync(new FocusEventArgs());
        popovers.WaitForAssertion(() => Assert.Equal(2, Choices(popovers).Count));

        await PressAsync(switcher, "Escape");

        popovers.WaitForAssertion(() => Assert.Empty(Choices(popovers)));
        Assert.EndsWith("/", Navigation.Uri);
    }

    /// <summary>A key press as a browser sends it: key down, then key up.</summary>
    private static async Task PressAsync(IRenderedComponent<ProjectSwitcher> switcher, string key)
    {
        await switcher.Find("input").KeyDownAsync(new KeyboardEventArgs { Key = key });
        await switcher.Find("input").KeyUpAsync(new KeyboardEventArgs { Key = key });
    }

    private static List<string> Choices(IRenderedComponent<MudBlazor.MudPopoverProvider> popovers) =>
        [.. popovers.FindAll(".mud-popover-open .mud-list-item").Select(i => i.TextContent.Trim())];
}
