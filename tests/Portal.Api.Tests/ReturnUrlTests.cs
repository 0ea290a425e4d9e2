namespace Portal.Api.Tests;

using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Portal.Infrastructure.Demo;

/// <summary>
/// Return URLs on every sign-in and sign-out endpoint, as an outsider would send them: other scripts, bytes that are not UTF-8,
/// spaces, line breaks, other sites. Never a 500: a local path comes back percent-encoded, anything else becomes "/".
/// </summary>
public sealed class ReturnUrlTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    /// <summary>The return URL as sent (before query encoding), and where the browser is sent afterwards.</summary>
    public static TheoryData<string, string> Urls => new()
    {
        { "/é", "/%C3%A9" },
        { "/projects/démo?env=é&x=✓", "/projects/d%C3%A9mo?env=%C3%A9&x=%E2%9C%93" },
        { "/日本", "/%E6%97%A5%E6%9C%AC" },
        { "/a b", "/a%20b" },
        { "/\uD800x", "/%EF%BF%BDx" },
        { "/\u202Etxt", "/%E2%80%AEtxt" },
        { "/already%C3%A9", "/already%C3%A9" },
        { "/\r\nSet-Cookie: x=1", "/" },
        { "//evil.example/é", "/" },
        { "https://évil.example", "/" },
        { "é", "/" },
        { "", "/" },
    };

    public static TheoryData<string, string, string> Endpoints
    {
        get
        {
            var rows = new TheoryData<string, string, string>();
            foreach (var endpoint in new[] { "local sign-in link", "local sign-in form", "sign-out", "login" })
            {
                foreach (var row in Urls)
                {
                    rows.Add(endpoint, row.Data.Item1, row.Data.Item2);
                }
            }

            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_return_url_is_encoded_or_reduced_to_the_root_never_a_500(string endpoint, string returnUrl, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var query = Uri.EscapeDataString(returnUrl);
        using var client = endpoint == "sign-out" ? await host.Factory.SignedInClientAsync(DemoSeeder.ViewerUserId, ct) : host.Factory.CreateClient();

        using var response = endpoint switch
        {
            "local sign-in link" => await client.GetAsync($"/account/local-login?user=carol&returnUrl={query}", ct),
            "local sign-in form" => await PostLocalSignInAsync(client, returnUrl, ct),
            "sign-out" => await PortalFactory.SignOutAsync(client, returnUrl, ct),
            _ => await client.GetAsync($"/authentication/login?returnUrl={query}", ct),
        };

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        if (endpoint == "login")
        {
            // Development without a provider: the challenge goes to the local sign-in, which carries the reduced path along.
            Assert.Equal("/account/local-login", location[..location.IndexOf('?', StringComparison.Ordinal)].Replace("https://localhost", "", StringComparison.Ordinal));
            Assert.Equal(expected, QueryHelpers.ParseQuery(new Uri(new Uri("https://localhost"), location).Query)["returnUrl"].ToString());
        }
        else
        {
            Assert.Equal(expected, location);
        }
    }

    [Theory]
    [MemberData(nameof(Urls))]
    public async Task The_local_sign_in_page_carries_the_encoded_return_url_into_its_form(string returnUrl, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = host.Factory.CreateClient();

        using var response = await client.GetAsync($"/account/local-login?returnUrl={Uri.EscapeDataString(returnUrl)}", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"name=\"returnUrl\" value=\"{expected.Replace("&", "&amp;", StringComparison.Ordinal)}\"", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PostLocalSignInAsync(HttpClient client, string returnUrl, CancellationToken cancellationToken)
    {
        var (name, token) = await PortalFactory.AntiforgeryFieldAsync(client, cancellationToken);
        return await client.PostAsync("/account/local-login", new FormUrlEncodedContent(
            [new(name, token), new("user", DemoSeeder.ViewerUserId), new("returnUrl", returnUrl)]), cancellationToken);
    }
}
