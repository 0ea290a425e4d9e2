namespace Portal.Web.Identity;

using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

/// <summary>
/// Microsoft Entra ID through Microsoft.Identity.Web, on the authorization code flow with PKCE: the browser only ever carries a
/// one-time code, and Portal redeems it at the token endpoint with its client secret. The app registration needs no implicit
/// grant (ID tokens) switched on.
/// </summary>
internal static class EntraCodeFlow
{
    public static void Apply(OpenIdConnectOptions options, IConfigurationSection azureAd)
    {
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        options.SaveTokens = false;
        if (string.IsNullOrEmpty(options.ClientSecret))
        {
            options.ClientSecret = ClientSecret(azureAd);
        }
    }

    /// <summary><c>AzureAd:ClientSecret</c>, or the first <c>AzureAd:ClientCredentials</c> entry of source type ClientSecret.</summary>
    private static string? ClientSecret(IConfigurationSection azureAd) =>
        azureAd["ClientSecret"] is { Length: > 0 } secret
            ? secret
            : azureAd.GetSection("ClientCredentials").GetChildren()
                .FirstOrDefault(c => string.Equals(c["SourceType"], "ClientSecret", StringComparison.OrdinalIgnoreCase))?["ClientSecret"];
}
