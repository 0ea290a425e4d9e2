namespace Portal.Web.Tests.Account;

using Portal.Web.Components.Account;
using Portal.Web.Tests.Support;

/// <summary>The user menu in the app bar links the API reference, loaded as a whole page (it is not one of Portal's Blazor pages).</summary>
public sealed class UserMenuTests : PortalComponentTest
{
    [Fact]
    public async Task The_user_menu_links_the_API_reference()
    {
        var (popovers, _) = RenderProviders();
        var menu = Render<UserMenu>(p => p.Add(x => x.ProjectId, ProjectId));
        menu.WaitForAssertion(() => Assert.Contains("Alice", menu.Find("button").TextContent, StringComparison.Ordinal));

        await menu.Find("button").ClickAsync(new());

        popovers.WaitForAssertion(() =>
        {
            var link = popovers.FindAll("a").Single(a => a.TextContent.Contains("API reference", StringComparison.Ordinal));
            Assert.Equal("api-reference/", link.GetAttribute("href"));
        });
    }
}
