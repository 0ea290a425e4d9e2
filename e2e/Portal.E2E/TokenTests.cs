namespace Portal.E2E;

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>The API tokens page in a real browser: create, copy the secret (shown once), revoke; the API then refuses the token.</summary>
public sealed partial class TokenTests : PortalPageTest
{
    protected override int MediaFiles => 5;

    [Fact]
    public async Task A_token_is_shown_once_with_a_copy_button_and_once_revoked_the_API_refuses_it()
    {
        await Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await OpenAsync("/");
        await OpenUserMenuAsync();
        await Page.GetByRole(AriaRole.Menuitem, new() { Name = "API tokens" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(TokensUrl());
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "API tokens", Level = 1 })).ToBeVisibleAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Create API token" });
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Name" }).FillAsync("nightly cron");
        await AssertAccessibleAsync("the Create API token dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();

        var shown = Page.GetByRole(AriaRole.Textbox, new() { Name = "New API token" });
        await Expect(shown).ToHaveValueAsync(Secret());
        var secret = await shown.InputValueAsync();
        await Expect(Page.GetByText("will not show it again")).ToBeVisibleAsync();
        await AssertAccessibleAsync("the API tokens page showing a new token");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Copy token" }).ClickAsync();
        await Expect(Page.GetByText("Token copied to the clipboard.")).ToBeVisibleAsync();
        Assert.Equal(secret, await Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await ScreenshotAsync("created");
        using var script = Script(secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("api/projects", Cancel)).StatusCode);

        await OpenAsync("tokens");
        var row = Page.Locator("[data-testid=token-row]");
        await Expect(row).ToContainTextAsync("nightly cron");
        await Expect(row).ToContainTextAsync("from 127.0.0.1");
        await Expect(Page.GetByRole(AriaRole.Textbox, new() { Name = "New API token" })).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await Page.ContentAsync(), StringComparison.Ordinal);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Revoke nightly cron" }).ClickAsync();
        await Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Expect(row).ToContainTextAsync("Revoked");
        await ScreenshotAsync("revoked");

        using var refused = await script.GetAsync("api/projects", Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var detail = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("detail").GetString();
        Assert.StartsWith("This API token ('nightly cron', ", detail, StringComparison.Ordinal);
        Assert.Contains("was revoked on", detail, StringComparison.Ordinal);
    }

    /// <summary>A script's client: no cookie, only the token.</summary>
    private HttpClient Script(string token)
    {
        var client = new HttpClient { BaseAddress = App.BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [GeneratedRegex("/tokens$")]
    private static partial Regex TokensUrl();

    [GeneratedRegex("^portal_[A-Za-z0-9_-]{43}$")]
    private static partial Regex Secret();

    /// <summary>
    /// Opens the app bar's user menu. MudBlazor 9's popover can miss an Open that arrives while its first after-render update is
    /// under way (MudPopoverBase passes parameter changes on only once that update has gone out), so a click right after the
    /// circuit starts may leave the button expanded and the menu unshown; a person clicks again, and so does this, at most three times.
    /// </summary>
    private async Task OpenUserMenuAsync()
    {
        var button = Page.GetByRole(AriaRole.Button, new() { Name = "Alice — Admin" });
        var item = Page.GetByRole(AriaRole.Menuitem, new() { Name = "API tokens" });
        for (var click = 1; ; click++)
        {
            await button.ClickAsync();
            try
            {
                await item.WaitForAsync(new() { Timeout = 5_000 });
                return;
            }
            catch (TimeoutException) when (click < 3)
            {
            }
        }
    }
}
