namespace Portal.Web.Identity;

using Portal.Core.Access;

/// <summary>The <c>Access</c> section: how identity-provider claims become Portal roles.</summary>
public sealed class AccessOptions
{
    public const string Section = "Access";

    /// <summary>Claim value → project role or environment type role; applied at every sign-in.</summary>
    public List<RoleMapping> RoleMappings { get; set; } = [];

    /// <summary>
    /// Claim types whose values are matched against <see cref="RoleMappings"/>. Defaults: Entra ID <c>roles</c> (app roles) and
    /// <c>groups</c> (group object ids); for the generic provider, <c>Oidc:RoleClaim</c>.
    /// </summary>
    public List<string> RoleClaims { get; set; } = [];

    /// <summary>
    /// When true, the identity provider is the source of truth on every project a mapping names: roles it no longer grants are
    /// removed at sign-in (and changes made on the User access page last until the user's next sign-in). When false (default),
    /// sign-in only adds or raises roles and revoking is done on the User access page.
    /// </summary>
    public bool RevokeUnmappedRoles { get; set; }
}

/// <summary>The <c>Oidc</c> section: any OpenID Connect provider (Keycloak, Okta, Auth0, Google…).</summary>
public sealed class OidcOptions
{
    public const string Section = "Oidc";

    /// <summary>The issuer URL; its <c>/.well-known/openid-configuration</c> is read at the first sign-in.</summary>
    public string Authority { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string? ClientSecret { get; set; }
    public string CallbackPath { get; set; } = "/signin-oidc";
    public string SignedOutCallbackPath { get; set; } = "/signout-callback-oidc";

    /// <summary>The claim carrying roles or groups, matched against <c>Access:RoleMappings</c>.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The stable user id claim; becomes the Portal user id.</summary>
    public string UserIdClaim { get; set; } = "sub";
    public string NameClaim { get; set; } = "name";
    public List<string> Scopes { get; set; } = ["openid", "profile", "email"];
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}
