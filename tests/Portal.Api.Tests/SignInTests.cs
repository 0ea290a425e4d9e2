namespace Portal.Api.Tests;

using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Access;
using Portal.Core.Environments;
using Portal.Infrastructure.Persistence;
using Portal.Web.Identity;

public sealed class SignInTests
{
    private const string TenantId = "7f3c1a52-0d4e-4c55-9a41-2b6f0e1c9d11";
    private const string ClientId = "0c9e5d8a-1111-4b7e-8c2d-6a5f4e3d2c1b";

    private static Dictionary<string, string?> AzureAd(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
            ["AzureAd:TenantId"] = TenantId,
            ["AzureAd:ClientId"] = ClientId,
            ["AzureAd:ClientSecret"] = "test-secret",
            ["AzureAd:CallbackPath"] = "/signin-oidc",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    // Entra ID's authorize endpoint is derived from the authority Microsoft.Identity.Web built from Instance + TenantId.
    private static StaticOidcMetadata EntraMetadata() =>
        new(o => o.Authority!.Replace("/v2.0", "/oauth2/v2.0/authorize", StringComparison.Ordinal));

    [Fact]
    public async Task With_AzureAd_an_anonymous_page_request_goes_through_login_to_the_tenants_authorize_endpoint_with_code_flow_and_PKCE()
    {
        var metadata = EntraMetadata();
        await using var factory = new PortalFactory("Production", AzureAd()) { TestServices = metadata.Apply };
        using var client = factory.CreateClient();

        using var page = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal("/authentication/login?returnUrl=%2F", page.Headers.Location!.PathAndQuery);
        using var response = await client.GetAsync(page.Headers.Location, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal($"https://login.microsoftonline.com/{TenantId}/oauth2/v2.0/authorize", location.GetLeftPart(UriPartial.Path));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(ClientId, query["client_id"]);
        Assert.Equal("https://localhost/signin-oidc", query["redirect_uri"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal("/", Assert.Single(metadata.RequestedReturnUrls));
    }

    [Theory]
    [InlineData("https://evil.example", "/")]
    [InlineData("//evil.example/path", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("/projects/demo-shop?env=staging", "/projects/demo-shop?env=staging")]
    public async Task Login_reduces_the_return_url_to_a_local_path(string returnUrl, string expected)
    {
        var metadata = EntraMetadata();
        await using var factory = new PortalFactory("Production", AzureAd()) { TestServices = metadata.Apply };
        using var client = factory.CreateClient();

        using var response = await client.GetAsync($"/authentication/login?returnUrl={Uri.EscapeDataString(returnUrl)}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith($"https://login.microsoftonline.com/{TenantId}/", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(expected, Assert.Single(metadata.RequestedReturnUrls));
    }

    [Fact]
    public async Task Local_sign_in_also_lands_on_a_local_path_only()
    {
        await using var factory = new PortalFactory();
        using var client = factory.CreateClient();

        using var login = await client.GetAsync("/authentication/login?returnUrl=https%3A%2F%2Fevil.example", TestContext.Current.CancellationToken);
        Assert.Equal("/account/local-login?returnUrl=%2F", login.Headers.Location!.PathAndQuery);

        using var direct = await client.GetAsync("/account/local-login?user=alice&returnUrl=https%3A%2F%2Fevil.example", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, direct.StatusCode);
        Assert.Equal("/", direct.Headers.Location!.ToString());
    }

    [Fact]
    public async Task With_a_generic_OpenID_Connect_provider_the_challenge_uses_its_authority_code_flow_and_PKCE()
    {
        var metadata = new StaticOidcMetadata(o => o.Authority + "/protocol/openid-connect/auth");
        await using var factory = new PortalFactory("Production", new()
        {
            ["Oidc:Authority"] = "https://id.example.org/realms/portal",
            ["Oidc:ClientId"] = "portal-web",
            ["Oidc:ClientSecret"] = "s3cret",
            ["Oidc:CallbackPath"] = "/signin-keycloak",
        }) { TestServices = metadata.Apply };
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/authentication/login", TestContext.Current.CancellationToken);

        var location = response.Headers.Location!;
        Assert.Equal("https://id.example.org/realms/portal/protocol/openid-connect/auth", location.GetLeftPart(UriPartial.Path));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("portal-web", query["client_id"]);
        Assert.Equal("https://localhost/signin-keycloak", query["redirect_uri"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("S256", query["code_challenge_method"]);
    }

    [Fact]
    public async Task Production_without_an_identity_provider_refuses_to_start_and_names_the_settings_to_add()
    {
        var dataPath = Directory.CreateTempSubdirectory("portal-no-provider-").FullName;
        using var stderr = new StringWriter();

        var exitCode = await Portal.Web.PortalHost.RunAsync(["--environment=Production", $"--Portal:DataPath={dataPath}"], stderr, TestContext.Current.CancellationToken);

        Directory.Delete(dataPath, recursive: true);
        Assert.Equal(1, exitCode);
        var message = stderr.ToString();
        Assert.Equal(Portal.Web.PortalHost.RefusalPrefix + PortalIdentityExtensions.NoProviderMessage.TrimEnd('.') + Environment.NewLine, message);
        Assert.Contains("'AzureAd' section", message, StringComparison.Ordinal);
        Assert.Contains("'Oidc' section", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/account/local-login")]
    [InlineData("GET", "/account/local-login?user=alice&returnUrl=/")]
    [InlineData("POST", "/account/local-login")]
    public async Task The_local_sign_in_does_not_exist_in_Production(string method, string path)
    {
        await using var factory = new PortalFactory("Production", AzureAd()) { TestServices = EntraMetadata().Apply };
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new FormUrlEncodedContent([new("user", "alice")]) : null,
        }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("__Portal=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_validated_Entra_token_records_the_user_applies_mapped_roles_and_stamps_the_portal_user_id()
    {
        await using var factory = new PortalFactory("Development", AzureAd(
            ("Access:RoleMappings:0:Claim", "Portal.Admins"),
            ("Access:RoleMappings:0:Project", "demo-shop"),
            ("Access:RoleMappings:0:ProjectRole", "Admin"),
            ("Access:RoleMappings:1:Claim", "a1b2c3d4-group"),
            ("Access:RoleMappings:1:Project", "demo-shop"),
            ("Access:RoleMappings:1:EnvironmentType", "Staging"),
            ("Access:RoleMappings:1:Role", "Contributor"),
            ("Access:RoleMappings:2:Claim", "Unrelated.Role"),
            ("Access:RoleMappings:2:Project", "demo-shop"),
            ("Access:RoleMappings:2:EnvironmentType", "Production"),
            ("Access:RoleMappings:2:Role", "Admin"))) { TestServices = EntraMetadata().Apply };
        _ = factory.Server;
        var ct = TestContext.Current.CancellationToken;
        var options = factory.Services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(OpenIdConnectDefaults.AuthenticationScheme);
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid-frank"),
                new Claim("name", "Frank"),
                new Claim("preferred_username", "frank@contoso.example"),
                new Claim(ClaimTypes.Role, "Portal.Admins"),
                new Claim("groups", "a1b2c3d4-group"),
            ], "AuthenticationTypes.Federation"));
        await using var scope = factory.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var scheme = new AuthenticationScheme(OpenIdConnectDefaults.AuthenticationScheme, null, typeof(OpenIdConnectHandler));
        var context = new TokenValidatedContext(http, scheme, options, principal, new AuthenticationProperties());

        await options.Events.TokenValidated(context);

        Assert.Equal("oid-frank", context.Principal!.FindFirstValue(PortalClaims.UserId));
        Assert.Equal("Frank", PortalClaims.ToActor(context.Principal!)!.DisplayName);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        var user = await db.Users.SingleAsync(u => u.Id == "oid-frank", ct);
        Assert.Equal("frank@contoso.example", user.Email);
        Assert.Equal(ProjectRole.Admin, (await db.ProjectAccess.SingleAsync(a => a.UserId == "oid-frank", ct)).Role);
        var typeRole = await db.EnvironmentTypeAccess.SingleAsync(a => a.UserId == "oid-frank", ct);
        Assert.Equal((EnvironmentType.Staging, EnvironmentRole.Contributor), (typeRole.EnvironmentType, typeRole.Role));
    }
}
