namespace Portal.Api.Tests;

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Identity.Web;
using Portal.Web.Identity;

/// <summary>
/// Whole sign-ins through a real OpenID Connect provider (<see cref="TestOidcProvider"/>), for Entra ID (Microsoft.Identity.Web)
/// and a generic provider: the code flow with PKCE and the client secret, and each way it can fail landing on the error page.
/// </summary>
public sealed class ProviderSignInTests
{
    private const string EntraClientId = "0c9e5d8a-1111-4b7e-8c2d-6a5f4e3d2c1b";
    private const string Secret = "s3cret-from-the-app-registration";

    // Microsoft.IdentityModel caches Entra issuer validators per authority for the whole process: a tenant of its own per test
    // keeps another test's validator (and its HTTP client) out of this one.
    private readonly string _tenantId = Guid.NewGuid().ToString();

    public static TheoryData<string> Providers => ["Entra", "Oidc"];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_sign_in_uses_the_code_flow_with_PKCE_and_the_client_secret_and_lands_on_the_encoded_return_url(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var provider = Provider(kind);
        await using var portal = Portal(kind, provider);
        using var browser = portal.CreateClient();

        using var signIn = await SignInAsync(browser, provider, "/é", ct);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/%C3%A9", signIn.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/projects", ct)).StatusCode);
        var authorize = Assert.Single(provider.AuthorizeRequests);
        Assert.Equal("code", authorize["response_type"]);
        Assert.Equal("S256", authorize["code_challenge_method"]);
        Assert.Equal(provider.ClientId, authorize["client_id"]);
        Assert.Equal(1, provider.CodesRedeemedWithPkce);
        Assert.Empty(provider.Refusals);
    }

    [Fact]
    public async Task Entra_redeems_the_code_with_an_assertion_signed_by_its_certificate_when_it_has_no_secret()
    {
        var ct = TestContext.Current.CancellationToken;
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=portal-test-client", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await using var provider = Provider("Entra");
        provider.ClientCertificate = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        var settings = Settings("Entra");
        settings.Remove("AzureAd:ClientSecret");
        settings["AzureAd:ClientCredentials:0:SourceType"] = "Base64Encoded";
        settings["AzureAd:ClientCredentials:0:Base64EncodedValue"] = Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12));
        await using var portal = Portal(settings, provider);
        using var browser = portal.CreateClient();

        using var signIn = await SignInAsync(browser, provider, "/", ct);

        Assert.Equal("/", signIn.Headers.Location!.OriginalString);
        Assert.Equal(1, provider.CodesRedeemedWithPkce);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/projects", ct)).StatusCode);
    }

    [Theory]
    [InlineData("Entra", ProviderFault.BadSignature, "refused")]
    [InlineData("Entra", ProviderFault.WrongNonce, "refused")]
    [InlineData("Entra", ProviderFault.WrongAudience, "refused")]
    [InlineData("Entra", ProviderFault.Expired, "refused")]
    [InlineData("Entra", ProviderFault.UserCancels, "cancelled")]
    [InlineData("Oidc", ProviderFault.BadSignature, "refused")]
    [InlineData("Oidc", ProviderFault.WrongNonce, "refused")]
    [InlineData("Oidc", ProviderFault.WrongAudience, "refused")]
    [InlineData("Oidc", ProviderFault.Expired, "refused")]
    [InlineData("Oidc", ProviderFault.UserCancels, "cancelled")]
    public async Task A_refused_or_cancelled_sign_in_lands_on_the_error_page_with_a_try_again_link_and_no_session(string kind, ProviderFault fault, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var provider = Provider(kind);
        await using var portal = Portal(kind, provider);
        using var browser = portal.CreateClient();
        provider.Fault = fault;

        using var signIn = await SignInAsync(browser, provider, "/é", ct);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal($"/authentication/error?reason={reason}&returnUrl=%2F%25C3%25A9", signIn.Headers.Location!.OriginalString);
        await AssertErrorPageAsync(browser, signIn.Headers.Location, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/projects", ct)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_unreachable_provider_gives_the_error_page_not_a_500(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        // Nothing listens on port 1 of the loopback: the discovery request is refused at once.
        await using var portal = new PortalFactory("Production", Settings(kind, "https://127.0.0.1:1/"));
        using var browser = portal.CreateClient();

        using var page = await browser.GetAsync("/?tab=%C3%A9", ct);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/authentication/login?returnUrl=%2F%3Ftab%3D%25C3%25A9", page.Headers.Location!.PathAndQuery);
        using var login = await browser.GetAsync(page.Headers.Location, ct);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/authentication/error?reason=unreachable&returnUrl=%2F%3Ftab%3D%25C3%25A9", login.Headers.Location!.OriginalString);
        var html = await AssertErrorPageAsync(browser, login.Headers.Location, ct);
        Assert.Contains("could not reach the identity provider", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_error_page_words_each_reason_and_treats_an_unknown_one_and_a_foreign_return_url_safely()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var browser = portal.CreateClient();

        using var response = await browser.GetAsync("/authentication/error?reason=%3Cscript%3E&returnUrl=https%3A%2F%2Fevil.example", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(ct);
        Assert.Contains("The sign-in did not complete.", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/authentication/login?returnUrl=%2F\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
    }

    private static async Task<string> AssertErrorPageAsync(HttpClient browser, Uri location, CancellationToken ct)
    {
        using var page = await browser.GetAsync(location, ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.Contains("<h1", html, StringComparison.Ordinal);
        Assert.Contains("Sign-in failed", html, StringComparison.Ordinal);
        var tryAgain = QueryHelpers.ParseQuery(new Uri(new Uri("https://localhost"), location).Query)["returnUrl"].ToString();
        Assert.Contains($"<a href=\"/authentication/login?returnUrl={Uri.EscapeDataString(tryAgain)}\">Try again</a>", html, StringComparison.Ordinal);
        return html;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_script_with_the_providers_access_token_acts_as_the_user_the_browser_sign_in_made(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var provider = Provider(kind);
        await using var portal = Portal(kind, provider);
        using var browser = portal.CreateClient();
        using var script = portal.CreateClient(new() { HandleCookies = false, BaseAddress = new Uri("https://localhost") });
        script.DefaultRequestHeaders.Authorization = new("Bearer", provider.AccessToken(audience: $"api://{provider.ClientId}"));
        var body = """{"name":"made with the provider's token"}""";

        // Before Frank ever signed in, Portal does not know him: no token can belong to him. No CSRF header: a bearer call carries no cookie.
        using var unknown = await script.PostAsync("/api/me/tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), ct);
        using var signIn = await SignInAsync(browser, provider, "/", ct);
        using var created = await script.PostAsync("/api/me/tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), ct);
        var mine = await browser.GetStringAsync("/api/me/tokens", ct);

        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.Contains("Portal does not know you yet: sign in to Portal in a browser once, then create API tokens.", await unknown.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains("made with the provider's token", mine, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_access_token_for_another_audience_or_past_its_expiry_is_refused_saying_why(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var provider = Provider(kind);
        await using var portal = Portal(kind, provider);
        using var script = portal.CreateClient(new() { HandleCookies = false, BaseAddress = new Uri("https://localhost") });

        foreach (var (token, reason) in new[] { (provider.AccessToken("someone-elses-api"), "IDX10214"), (provider.AccessToken(provider.ClientId, expired: true), "IDX10223") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/projects");
            request.Headers.Authorization = new("Bearer", token);
            using var response = await script.SendAsync(request, ct);
            var detail = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("detail").GetString();

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith($"The identity provider's access token was refused: {reason}", detail, StringComparison.Ordinal);
        }
    }

    /// <summary>The browser: asks Portal to sign in, lets the provider sign the user in, and posts its answer back to Portal.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, TestOidcProvider provider, string returnUrl, CancellationToken ct)
    {
        using var login = await browser.GetAsync($"/authentication/login?returnUrl={Uri.EscapeDataString(returnUrl)}", ct);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.StartsWith(provider.Issuer + "/authorize?", login.Headers.Location!.ToString(), StringComparison.Ordinal);
        var (action, fields) = await provider.AuthorizeAsync(login.Headers.Location, ct);
        Assert.Equal("https://localhost/signin-oidc", action.GetLeftPart(UriPartial.Path));
        return await browser.PostAsync(action, new FormUrlEncodedContent(fields), ct);
    }

    private TestOidcProvider Provider(string kind) => kind == "Entra"
        ? new TestOidcProvider($"https://login.microsoftonline.com/{_tenantId}/v2.0", EntraClientId, Secret, new Dictionary<string, object>
        {
            ["sub"] = "pairwise-subject", ["oid"] = "oid-frank", ["tid"] = _tenantId, ["ver"] = "2.0",
            ["name"] = "Frank", ["preferred_username"] = "frank@contoso.example",
        })
        : new TestOidcProvider("https://id.example.org/realms/portal", "portal-web", Secret, new Dictionary<string, object>
        {
            ["sub"] = "frank", ["name"] = "Frank", ["email"] = "frank@example.org",
        });

    private Dictionary<string, string?> Settings(string kind, string? unreachableAuthority = null) => kind == "Entra"
        ? new()
        {
            ["AzureAd:Instance"] = unreachableAuthority ?? "https://login.microsoftonline.com/",
            ["AzureAd:TenantId"] = _tenantId,
            ["AzureAd:ClientId"] = EntraClientId,
            ["AzureAd:ClientSecret"] = Secret,
            ["AzureAd:CallbackPath"] = "/signin-oidc",
        }
        : new()
        {
            ["Oidc:Authority"] = unreachableAuthority is null ? "https://id.example.org/realms/portal" : unreachableAuthority + "realms/portal",
            ["Oidc:ClientId"] = "portal-web",
            ["Oidc:ClientSecret"] = Secret,
        };

    /// <summary>Portal in Production, whose every outgoing HTTP request (discovery, keys, token, user info) reaches the provider.</summary>
    private PortalFactory Portal(string kind, TestOidcProvider provider) => Portal(Settings(kind), provider);

    private static PortalFactory Portal(Dictionary<string, string?> settings, TestOidcProvider provider) => new("Production", settings)
    {
        TestServices = services =>
        {
            services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, o => o.BackchannelHttpHandler = provider.Handler);
            services.Configure<JwtBearerOptions>(ProviderBearer.SchemeName, o => o.BackchannelHttpHandler = provider.Handler);
            services.ConfigureHttpClientDefaults(b => b.ConfigurePrimaryHttpMessageHandler(() => provider.Handler));

            // Identity.Web's issuer validator reads the tenant's discovery document too; named, its client comes from the factory above.
            services.Configure<AadIssuerValidatorOptions>(o => o.HttpClientName = "entra-issuer-validator");
        },
    };
}
