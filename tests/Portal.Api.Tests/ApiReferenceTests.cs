namespace Portal.Api.Tests;

using System.Net;
using System.Text.RegularExpressions;

/// <summary>
/// The API reference page works offline under Portal's strict CSP: everything it loads comes from Portal itself, and its
/// one inline script carries the nonce of the response's policy.
/// </summary>
public sealed partial class ApiReferenceTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    [Fact]
    public async Task TheReferencePageLoadsOnlyPortalsOwnScriptsAndItsInlineScriptCarriesTheCspNonce()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = host.Factory.CreateClient();

        using var response = await client.GetAsync("/api-reference/", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(ct);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self' 'nonce-", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        var nonce = Nonce().Match(csp).Groups["nonce"].Value;

        var scripts = Script().Matches(html).Select(m => m.Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var src = Src().Match(script);
            if (src.Success)
            {
                Assert.DoesNotContain("//", src.Groups["url"].Value, StringComparison.Ordinal);
                using var asset = await client.GetAsync(new Uri(new Uri("https://localhost/api-reference/"), src.Groups["url"].Value), ct);
                Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            }
            else
            {
                Assert.Contains($"nonce=\"{nonce}\"", script, StringComparison.Ordinal);
            }
        }

        Assert.DoesNotMatch(RemoteAsset(), html);
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("'nonce-(?<nonce>[0-9A-F]+)'")]
    private static partial Regex Nonce();

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex Script();

    [GeneratedRegex("src=\"(?<url>[^\"]+)\"")]
    private static partial Regex Src();

    [GeneratedRegex("(src|href)=\"(https?:)?//")]
    private static partial Regex RemoteAsset();
}
