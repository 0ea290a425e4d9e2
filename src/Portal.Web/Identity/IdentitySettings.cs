namespace Portal.Web.Identity;

using Microsoft.Extensions.Options;
using Microsoft.Identity.Abstractions;
using Portal.Core.Common;

/// <summary>
/// The sign-in settings as start-up checks read them: the <c>AzureAd</c> section (Microsoft.Identity.Web binds it again
/// for itself) and the <c>Oidc</c> one. Checked before the first request, so a setting that would make every page a 500
/// (an http:// instance, a missing client id) stops the start instead, naming it.
/// </summary>
public sealed class IdentitySettings
{
    public AzureAdSettings AzureAd { get; set; } = new();
    public OidcOptions Oidc { get; set; } = new();

    /// <summary>Registers the checks of the AzureAd, Oidc and Access sections; AddPortalIdentity decides the sign-in itself.</summary>
    public static void Validate(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdentitySettings>().Configure(o =>
        {
            configuration.GetSection(PortalIdentityExtensions.AzureAdSection).Bind(o.AzureAd);
            configuration.GetSection(OidcOptions.Section).Bind(o.Oidc);
        }).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdentitySettings>, IdentitySettingsValidator>();
        services.AddOptions<AccessOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccessOptions>>(new AccessOptionsValidator(configuration.GetSection($"{AccessOptions.Section}:{nameof(AccessOptions.RoleMappings)}")));
    }
}

/// <summary>The keys of the AzureAd section that must be right for Entra ID sign-in to work at all.</summary>
public sealed class AzureAdSettings
{
    public string? Instance { get; set; }
    public string? Authority { get; set; }
    public string? TenantId { get; set; }
    public string? ClientId { get; set; }
    public string? CallbackPath { get; set; }
    public string? SignedOutCallbackPath { get; set; }
    public string? ClientSecret { get; set; }
    public List<CredentialDescription> ClientCredentials { get; set; } = [];

    public bool IsPresent => new[] { Instance, Authority, TenantId, ClientId, CallbackPath, SignedOutCallbackPath }.Any(v => !string.IsNullOrWhiteSpace(v));
}

internal sealed class IdentitySettingsValidator(IHostEnvironment environment) : IValidateOptions<IdentitySettings>
{
    public ValidateOptionsResult Validate(string? name, IdentitySettings options)
    {
        var problems = new SettingProblems();
        var azureAd = options.AzureAd;
        var oidc = options.Oidc;
        var oidcPresent = !string.IsNullOrWhiteSpace(oidc.Authority) || !string.IsNullOrWhiteSpace(oidc.ClientId);
        if (azureAd.IsPresent)
        {
            CheckAzureAd(problems, azureAd);
            if (oidcPresent)
            {
                problems.Add("Oidc:Authority", "must not be set together with the AzureAd section: Portal signs in through one provider, so remove one of them");
            }
        }
        else if (oidcPresent)
        {
            CheckOidc(problems, oidc);
        }
        else if (!environment.IsDevelopment())
        {
            problems.Add(PortalIdentityExtensions.NoProviderMessage);
        }

        return problems.Result;
    }

    private static void CheckAzureAd(SettingProblems problems, AzureAdSettings azureAd)
    {
        problems.Required("AzureAd:ClientId", azureAd.ClientId, "the app registration's Application (client) ID");
        if (string.IsNullOrWhiteSpace(azureAd.Authority))
        {
            problems.Required("AzureAd:TenantId", azureAd.TenantId, "the Directory (tenant) ID, or organizations");
        }

        // The code flow redeems the sign-in code at the token endpoint, which Entra only does for a confidential client.
        if (string.IsNullOrWhiteSpace(azureAd.ClientSecret) && azureAd.ClientCredentials.Count == 0)
        {
            problems.Add("AzureAd:ClientSecret", "is required, or a certificate in AzureAd:ClientCredentials (the app registration's client secret or certificate)");
        }

        problems.HttpsUrl("AzureAd:Instance", azureAd.Instance);
        problems.HttpsUrl("AzureAd:Authority", azureAd.Authority);
        LocalPath(problems, "AzureAd:CallbackPath", azureAd.CallbackPath);
        LocalPath(problems, "AzureAd:SignedOutCallbackPath", azureAd.SignedOutCallbackPath);
    }

    private static void CheckOidc(SettingProblems problems, OidcOptions oidc)
    {
        problems.Required("Oidc:Authority", oidc.Authority, "the provider's issuer URL");
        problems.Required("Oidc:ClientId", oidc.ClientId, "the client id registered at the provider");
        if (oidc.RequireHttpsMetadata)
        {
            problems.HttpsUrl("Oidc:Authority", oidc.Authority);
        }
        else if (!string.IsNullOrWhiteSpace(oidc.Authority) && !Uri.TryCreate(oidc.Authority, UriKind.Absolute, out _))
        {
            problems.Add("Oidc:Authority", $"must be an absolute URL (got \"{oidc.Authority}\")");
        }

        LocalPath(problems, "Oidc:CallbackPath", oidc.CallbackPath);
        LocalPath(problems, "Oidc:SignedOutCallbackPath", oidc.SignedOutCallbackPath);
        problems.Required("Oidc:UserIdClaim", oidc.UserIdClaim, "the claim holding a stable user id, e.g. sub");
        problems.Required("Oidc:RoleClaim", oidc.RoleClaim, "the claim holding roles or groups");
        problems.Required("Oidc:NameClaim", oidc.NameClaim, "the claim holding the display name");
        if (!oidc.Scopes.Contains("openid", StringComparer.Ordinal))
        {
            problems.Add("Oidc:Scopes", $"must include openid (got \"{string.Join(' ', oidc.Scopes)}\")");
        }
    }

    private static void LocalPath(SettingProblems problems, string setting, string? value)
    {
        if (!string.IsNullOrEmpty(value) && !(value.StartsWith('/') && !value.StartsWith("//", StringComparison.Ordinal)))
        {
            problems.Add(setting, $"must be a path on Portal starting with / (got \"{value}\")");
        }
    }
}

/// <summary>Each role mapping must grant exactly one role on a project, named by its index (Access:RoleMappings:N).</summary>
internal sealed class AccessOptionsValidator(IConfigurationSection roleMappings) : IValidateOptions<AccessOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessOptions options)
    {
        var problems = new SettingProblems();
        problems.Items<Core.Access.RoleMapping>(roleMappings, (item, mapping) =>
        {
            if (mapping.Problem(item.Path) is { } problem)
            {
                problems.Add(problem);
            }
        });
        return problems.Result;
    }
}
