namespace Portal.Api.Tests;

using System.Net;
using Portal.Infrastructure.Demo;

/// <summary>
/// Exactly one Content-Security-Policy on every kind of response — Blazor pages (which would add their own frame-ancestors
/// header), static files, the API, sign-in, errors — and it lets the page connect only to its own origin.
/// </summary>
public sealed class SecurityHeaderTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    [Theory]
    [InlineData(true, "/projects/demo-shop/environments/master", HttpStatusCode.OK)]
    [InlineData(true, "/projects/demo-shop/access", HttpStatusCode.OK)]
    [InlineData(true, "/projects/no-such-shop/environments/master", HttpStatusCode.NotFound)]
    [InlineData(true, "/no-such-page", HttpStatusCode.NotFound)]
    [InlineData(true, "/app.css", HttpStatusCode.OK)]
    [InlineData(true, "/portal.js", HttpStatusCode.OK)]
    [InlineData(true, "/_framework/blazor.web.js", HttpStatusCode.OK)]
    [InlineData(true, "/_content/MudBlazor/MudBlazor.min.css", HttpStatusCode.OK)]
    [InlineData(true, "/api/projects", HttpStatusCode.OK)]
    [InlineData(true, "/api/projects/no-such-shop/environments", HttpStatusCode.NotFound)]
    [InlineData(true, "/health", HttpStatusCode.OK)]
    [InlineData(false, "/account/local-login", HttpStatusCode.OK)]
    [InlineData(false, "/projects/demo-shop/environments/master", HttpStatusCode.Redirect)]
    [InlineData(false, "/api/projects", HttpStatusCode.Unauthorized)]
    [InlineData(false, "/openapi/v1.json", HttpStatusCode.OK)]
    [InlineData(false, "/api-reference/", HttpStatusCode.OK)]
    public async Task Every_response_carries_exactly_one_CSP_that_allows_connections_to_its_own_origin_only(bool signedIn, string path, HttpStatusCode status)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = signedIn ? await host.Factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct) : host.Factory.CreateClient();

        using var response = await client.GetAsync(path, ct);

        Assert.Equal(status, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("; connect-src 'self'; ", csp, StringComparison.Ordinal);
        Assert.EndsWith("; frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Single(response.Headers.GetValues("X-Frame-Options"));
        Assert.Single(response.Headers.GetValues("X-Content-Type-Options"));
    }
}
