namespace Portal.Api.Tests;

using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;

/// <summary>Cookies, CSRF on the API and on sign-out, security headers, keys in the database.</summary>
public sealed partial class HardeningTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    private const string Snapshots = $"/api/projects/{DemoSeeder.ProjectId}/environments/develop-branch/snapshots";

    [Fact]
    public async Task Anonymous_API_calls_get_a_JSON_401_not_a_redirect_to_a_sign_in_page()
    {
        using var client = host.Factory.CreateClient();
        using var response = await client.GetAsync("/api/projects", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task A_cookie_authenticated_POST_without_the_custom_header_is_refused_as_a_possible_CSRF()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await host.Factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct);

        using var forged = await client.PostAsync(Snapshots, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("X-Requested-With", await forged.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Post, Snapshots) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        using var genuine = await client.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Accepted, genuine.StatusCode);
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_SameSite_Lax_and_its_keys_live_in_the_database()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = host.Factory.CreateClient();
        using var response = await client.GetAsync("/account/local-login?user=carol&returnUrl=/", ct);

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Portal=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        await using var db = await host.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync(ct));
    }

    [Fact]
    public async Task Sign_out_is_a_POST_that_needs_the_antiforgery_token()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await host.Factory.SignedInClientAsync(DemoSeeder.ViewerUserId, ct);

        using var forged = await client.PostAsync("/authentication/logout", new FormUrlEncodedContent([new("returnUrl", "/")]), ct);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/projects", ct)).StatusCode);

        // The sign-in page carries a token for this browser; sign-out accepts it and ends the session.
        using var signOut = await PortalFactory.SignOutAsync(client, "https://evil.example", ct);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/", signOut.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/projects", ct)).StatusCode);
    }

    [Fact]
    public async Task The_local_sign_in_form_needs_the_antiforgery_token()
    {
        using var client = host.Factory.CreateClient();
        using var response = await client.PostAsync("/account/local-login",
            new FormUrlEncodedContent([new("user", "alice"), new("returnUrl", "/")]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("__Portal=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Pages_carry_a_CSP_that_allows_no_inline_script_and_no_framing_plus_nosniff_and_a_referrer_policy()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await host.Factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        // "/" redirects to the first environment (the pane), so ask for a page that renders.
        using var response = await client.GetAsync($"/projects/{DemoSeeder.ProjectId}/environments/master", ct);
        var html = await response.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-inline'", ScriptSrc().Match(csp).Value, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", string.Join(",", response.Headers.GetValues("Referrer-Policy")));

        // The one inline script Blazor renders (the import map) carries this response's nonce.
        var nonce = Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.Contains($"nonce=\"{nonce}\"", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("script-src [^;]*")]
    private static partial Regex ScriptSrc();
}
