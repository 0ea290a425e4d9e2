namespace Portal.Web.Tests.Access;

using Portal.Core.Access;
using Portal.Web.Components.Pages;
using Portal.Web.Tests.Support;

/// <summary>The User access page: the project's members only, and a field to add someone by exact user id or e-mail.</summary>
public sealed class UserAccessPageTests : PortalComponentTest
{
    /// <summary>Frank signed in to Portal once and has no role on the demo project.</summary>
    private Task FrankSignedInOnceAsync() => Service<UserAccessService>().ApplySignInAsync(
        new ExternalIdentity("frank", "Frank", "frank@example.org"), [], replaceMappedProjects: false, [], Cancel);

    private IRenderedComponent<UserAccess> RenderAccess() => Render<UserAccess>(p => p.Add(x => x.ProjectId, ProjectId));

    [Fact]
    public async Task The_page_lists_the_members_and_adds_someone_by_their_email()
    {
        await FrankSignedInOnceAsync();
        var page = RenderAccess();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("tbody tr").Count));
        Assert.DoesNotContain("Frank", page.Markup, StringComparison.Ordinal);

        await page.Find("input").InputAsync(new() { Value = "frank@example.org" });
        await page.Find("form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("tbody tr").Count));
        var frank = page.FindAll("tbody tr").Single(r => r.TextContent.Contains("Frank", StringComparison.Ordinal));
        Assert.Contains("frank@example.org", frank.TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll(".mud-alert"));
        Assert.Equal("", page.Find("input").GetAttribute("value") ?? "");
    }

    [Fact]
    public async Task An_unknown_user_id_or_email_gets_a_clear_message_and_adds_no_one()
    {
        await FrankSignedInOnceAsync();
        var page = RenderAccess();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("tbody tr").Count));

        await page.Find("input").InputAsync(new() { Value = "fran" });
        await page.Find("form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal(
            "No Portal user has the user id or e-mail 'fran'. They must sign in to Portal once before they can be added.",
            page.Find(".mud-alert-message").TextContent.Trim()));
        Assert.Equal(3, page.FindAll("tbody tr").Count);
    }

    [Fact]
    public async Task Sign_out_everywhere_on_the_page_ends_the_members_sessions()
    {
        var sessions = Service<IUserSessionStore>();
        var session = await sessions.StartAsync("bob", Cancel);
        var page = RenderAccess();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("tbody tr").Count));

        await page.Find("button[aria-label='Sign out everywhere: Bob']").ClickAsync(new());

        page.WaitForAssertion(() => Assert.False(sessions.IsActiveAsync(session, "bob", Cancel).GetAwaiter().GetResult()));
        Assert.Empty(page.FindAll(".mud-alert"));
        Assert.Equal(3, page.FindAll("tbody tr").Count);
    }
}
