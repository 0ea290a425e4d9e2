namespace Portal.Web.Identity;

using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Identity.Web;
using Portal.Infrastructure.Persistence;

/// <summary>Which sign-in this instance uses, decided once from configuration at start-up.</summary>
public sealed record PortalIdentityMode(string? RemoteScheme, bool LocalSignIn, string? ProviderOrigin)
{
    public string ChallengeScheme => RemoteScheme ?? CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>The scheme that validates the provider's bearer JWTs on the API; null without a provider.</summary>
    public string? BearerJwtScheme { get; init; }
}

/// <summary>Sign-in (Entra ID, generic OpenID Connect, or the Development local sign-in), the API's scheme, cookies, keys, headers.</summary>
public static class PortalIdentityExtensions
{
    public const string AzureAdSection = "AzureAd";
    private const string PolicyScheme = "Portal";
    private const string CspNonceKey = "portal-csp-nonce";

    public const string NoProviderMessage =
        "Portal needs an identity provider outside Development. Add either an 'AzureAd' section for Microsoft Entra ID " +
        "(AzureAd:Instance, AzureAd:TenantId, AzureAd:ClientId, AzureAd:ClientSecret or AzureAd:ClientCredentials, AzureAd:CallbackPath) " +
        "or an 'Oidc' section for another OpenID Connect provider (Oidc:Authority, Oidc:ClientId, Oidc:ClientSecret, Oidc:CallbackPath, Oidc:RoleClaim), " +
        "and map its roles or groups to Portal roles in 'Access:RoleMappings'. " +
        "The local sign-in with demo users exists only when ASPNETCORE_ENVIRONMENT is Development.";

    public static IServiceCollection AddPortalIdentity(this IServiceCollection services, IConfiguration configuration, IWebHostEnvironment environment)
    {
        var access = configuration.GetSection(AccessOptions.Section).Get<AccessOptions>() ?? new AccessOptions();
        services.Configure<AccessOptions>(configuration.GetSection(AccessOptions.Section));
        var azureAd = configuration.GetSection(AzureAdSection);
        var oidc = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        var mode = !string.IsNullOrWhiteSpace(azureAd["ClientId"])
            ? new PortalIdentityMode(OpenIdConnectDefaults.AuthenticationScheme, false, Origin(azureAd["Instance"] ?? "https://login.microsoftonline.com/")) { BearerJwtScheme = ProviderBearer.SchemeName }
            : oidc.IsConfigured
                ? new PortalIdentityMode(OpenIdConnectDefaults.AuthenticationScheme, false, Origin(oidc.Authority)) { BearerJwtScheme = ProviderBearer.SchemeName }
                : environment.IsDevelopment()
                    ? new PortalIdentityMode(null, true, null)
                    : new PortalIdentityMode(null, false, null); // IdentitySettings refuses the start with NoProviderMessage
        services.AddSingleton(mode);

        var authentication = services.AddAuthentication(o =>
        {
            // Pages use the session cookie (and the provider to sign in); /api answers 401/403 as JSON instead of redirecting.
            o.DefaultScheme = PolicyScheme;
            o.DefaultSignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.DefaultSignOutScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        });
        authentication.AddPolicyScheme(PolicyScheme, "Portal", o => o.ForwardDefaultSelector = context =>
            context.Request.Path.StartsWithSegments("/api") ? ApiAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme);
        authentication.AddScheme<AuthenticationSchemeOptions, ApiAuthenticationHandler>(ApiAuthenticationHandler.SchemeName, null);

        if (!string.IsNullOrWhiteSpace(azureAd["ClientId"]))
        {
            authentication.AddMicrosoftIdentityWebApp(azureAd);
            services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme).Configure<TimeProvider>((o, time) =>
            {
                // Identity.Web alone keeps the implicit flow (response_type=id_token); Portal redeems a code with PKCE and its secret.
                EntraCodeFlow.Apply(o, azureAd, time);
                SignInRoleSync.Attach(o, EntraUserIdClaims, [.. RoleClaimsOrDefault(access, ["roles", "groups", System.Security.Claims.ClaimTypes.Role])]);
                SignInFailures.Attach(o);
            });
            AddEntraBearer(authentication, azureAd);
        }
        else if (oidc.IsConfigured)
        {
            authentication.AddCookie().AddOpenIdConnect(o =>
            {
                o.Authority = oidc.Authority;
                o.ClientId = oidc.ClientId;
                o.ClientSecret = oidc.ClientSecret;
                o.CallbackPath = oidc.CallbackPath;
                o.SignedOutCallbackPath = oidc.SignedOutCallbackPath;
                o.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.SaveTokens = false;
                o.Scope.Clear();
                foreach (var scope in oidc.Scopes)
                {
                    o.Scope.Add(scope);
                }

                o.TokenValidationParameters.NameClaimType = oidc.NameClaim;
                o.TokenValidationParameters.RoleClaimType = oidc.RoleClaim;
                SignInRoleSync.Attach(o, [oidc.UserIdClaim], [.. RoleClaimsOrDefault(access, [oidc.RoleClaim])]);
                SignInFailures.Attach(o);
            });
            ProviderBearer.Add(authentication, oidc.Authority, [oidc.ClientId, $"api://{oidc.ClientId}"], [], oidc.RequireHttpsMetadata, [oidc.UserIdClaim]);
        }
        else
        {
            authentication.AddCookie();
        }

        services.Configure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, o =>
        {
            o.Cookie.Name = "__Portal";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = SecurePolicy(environment);
            o.SlidingExpiration = true;
            ServerSessions.Attach(o);
            // With a provider, challenges go through /authentication/login, which turns an unreachable provider into the error page.
            o.LoginPath = mode.RemoteScheme is null ? AccountEndpoints.LocalLoginPath : AccountEndpoints.LoginPath;
            o.ReturnUrlParameter = "returnUrl";
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "__Portal-Antiforgery";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = SecurePolicy(environment);
        });
        services.AddScoped<AuthenticationStateProvider, SessionRevalidatingStateProvider>();
        services.Configure<AuthorizationOptions>(ApiTokenPrincipal.RequireNoReadOnlyWrite);
        services.AddDataProtection().SetApplicationName("Portal").PersistKeysToPortalDatabase();
        return services;
    }

    /// <summary>Security headers on every response; call early so error pages carry them too.</summary>
    public static WebApplication UsePortalSecurityHeaders(this WebApplication app)
    {
        var mode = app.Services.GetRequiredService<PortalIdentityMode>();
        var formAction = mode.ProviderOrigin is { } origin ? $"'self' {origin}" : "'self'";

        // Blazor Server's websocket is same-origin, which 'self' covers (CSP3: ws/wss of this host); MudBlazor needs inline
        // styles; no inline or remote scripts. Blazor's own frame-ancestors header is switched off (DependencyInjection.cs).
        var policy = string.Join("; ",
            "default-src 'self'",
            "script-src 'self' 'nonce-{0}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            $"form-action {formAction}",
            "frame-ancestors 'none'");
        app.Use((context, next) =>
        {
            // Hex, not base64: "+" and "/" would be HTML-encoded in the nonce attribute and no longer match the header.
            var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            context.Items[CspNonceKey] = nonce;
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy.Replace("{0}", nonce, StringComparison.Ordinal);
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            return next(context);
        });
        return app;
    }

    /// <summary>This response's CSP nonce, for the few inline scripts Blazor renders (the import map).</summary>
    public static string? CspNonce(HttpContext context) => context.Items[CspNonceKey] as string;

    public static WebApplication MapPortalAccount(this WebApplication app)
    {
        app.MapPortalAccount(app.Services.GetRequiredService<PortalIdentityMode>());
        return app;
    }

    /// <summary>The claims naming an Entra ID user, in order: the object id is stable across the tenant's apps.</summary>
    private static readonly string[] EntraUserIdClaims =
        ["oid", "http://schemas.microsoft.com/identity/claims/objectidentifier", "sub", System.Security.Claims.ClaimTypes.NameIdentifier];

    // Entra issues v2 or v1 access tokens depending on the app registration; both name the tenant.
    private static void AddEntraBearer(AuthenticationBuilder authentication, IConfigurationSection azureAd)
    {
        var instance = (azureAd["Instance"] ?? "https://login.microsoftonline.com/").TrimEnd('/');
        var tenant = azureAd["TenantId"];
        var clientId = azureAd["ClientId"]!;
        var authority = azureAd["Authority"] is { Length: > 0 } configured ? configured : $"{instance}/{tenant}/v2.0";
        string[] issuers = string.IsNullOrWhiteSpace(tenant) ? [] : [$"{instance}/{tenant}/v2.0", $"https://sts.windows.net/{tenant}/"];
        ProviderBearer.Add(authentication, authority, [clientId, $"api://{clientId}"], issuers, requireHttpsMetadata: true, EntraUserIdClaims);
    }

    // Development may run on plain http://localhost; everywhere else cookies only travel over HTTPS.
    private static CookieSecurePolicy SecurePolicy(IWebHostEnvironment environment) =>
        environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    private static List<string> RoleClaimsOrDefault(AccessOptions access, List<string> defaults) =>
        access.RoleClaims.Count > 0 ? access.RoleClaims : defaults;

    private static string? Origin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;
}
