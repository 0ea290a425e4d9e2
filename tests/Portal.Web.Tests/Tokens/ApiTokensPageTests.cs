namespace Portal.Web.Tests.Tokens;

using Portal.Core.Access.Tokens;
using Portal.Web.Components.Pages;
using Portal.Web.Tests.Support;

/// <summary>The API tokens page: create through the dialog (secret shown once, with a copy button), list, revoke after confirming.</summary>
public sealed class ApiTokensPageTests : PortalComponentTest
{
    [Fact]
    public async Task A_token_created_in_the_dialog_is_shown_once_with_a_copy_button_and_listed_without_its_secret()
    {
        var (_, dialogs) = RenderProviders();
        var page = Render<ApiTokens>();

        // Not awaited: the click's handler waits for the dialog, which the test fills in below.
        _ = page.Find("button:contains('Create token')").ClickAsync(new());
        dialogs.WaitForElement("input");
        await dialogs.Find("input").InputAsync(new() { Value = "nightly cron" });
        await dialogs.Find("form#create-token-form").SubmitAsync();

        page.WaitForElement("[data-testid=new-token]");
        var secret = page.Find("[data-testid=new-token] input").GetAttribute("value")!;
        var token = Assert.Single(await Service<ApiTokenService>().ListAsync(await ActorAsync(), Cancel));
        await page.Find("button:contains('Copy token')").ClickAsync(new());

        Assert.Equal(ApiTokenRules.Hash(secret), token.SecretHash);
        Assert.Equal(token.CreatedAt.AddDays(90), token.ExpiresAt);
        Assert.Contains("will not show it again", page.Find("[data-testid=new-token]").TextContent, StringComparison.Ordinal);
        Assert.Equal(secret, JSInterop.VerifyInvoke("navigator.clipboard.writeText").Arguments[0]);
        var row = page.Find("[data-testid=token-row]");
        Assert.Contains("nightly cron", row.TextContent, StringComparison.Ordinal);
        Assert.Contains(token.Prefix, row.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, row.InnerHtml, StringComparison.Ordinal);

        var again = Render<ApiTokens>();
        again.WaitForElement("[data-testid=token-row]");
        Assert.DoesNotContain(secret, again.Markup, StringComparison.Ordinal);
        Assert.Empty(again.FindAll("[data-testid=new-token]"));
    }

    [Fact]
    public async Task Revoke_asks_first_and_then_marks_the_token_revoked()
    {
        await Service<ApiTokenService>().CreateAsync(await ActorAsync(), "old laptop", 0, readOnly: true, Cancel);
        var (_, dialogs) = RenderProviders();
        var page = Render<ApiTokens>();
        page.WaitForElement("[data-testid=token-row]");
        Assert.Contains("Read-only", page.Find("[data-testid=token-row]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Never", page.Find("[data-testid=token-row]").TextContent, StringComparison.Ordinal);

        _ = page.Find("button[aria-label='Revoke old laptop']").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Anything using it is refused", dialogs.Markup, StringComparison.Ordinal));
        await dialogs.Find(".mud-dialog-actions button:contains('Revoke')").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("Revoked", page.Find("[data-testid=token-row]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("button[aria-label='Revoke old laptop']"));
        Assert.NotNull(Assert.Single(await Service<ApiTokenService>().ListAsync(await ActorAsync(), Cancel)).RevokedAt);
    }

    [Fact]
    public async Task A_project_admin_sees_the_members_tokens_and_their_last_use_on_the_user_access_page()
    {
        var tokens = Service<ApiTokenService>();
        var (_, secret) = await tokens.CreateAsync(new Core.Common.Actor("bob", "Bob"), "bob's cron", null, readOnly: false, Cancel);
        await tokens.AuthenticateAsync(secret, "198.51.100.4", Cancel);

        var page = Render<UserAccess>(p => p.Add(x => x.ProjectId, ProjectId));

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=token-row]")));
        var row = page.Find("[data-testid=token-row]").TextContent;
        Assert.Contains("Bob", row, StringComparison.Ordinal);
        Assert.Contains("bob's cron", row, StringComparison.Ordinal);
        Assert.Contains("from 198.51.100.4", row, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, page.Markup, StringComparison.Ordinal);
    }
}
