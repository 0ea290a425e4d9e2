namespace Portal.Web.Identity;

using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Identity.Abstractions;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// Microsoft Entra ID through Microsoft.Identity.Web, on the authorization code flow with PKCE: the browser only ever carries a
/// one-time code, and Portal redeems it at the token endpoint with its client secret, or with an assertion signed by its
/// certificate (<c>AzureAd:ClientCredentials</c>). The app registration needs no implicit grant (ID tokens) switched on.
/// </summary>
internal static class EntraCodeFlow
{
    private const string JwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public static void Apply(OpenIdConnectOptions options, IConfigurationSection azureAd, TimeProvider time)
    {
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        options.SaveTokens = false;
        var credentials = azureAd.GetSection("ClientCredentials").Get<List<CredentialDescription>>() ?? [];
        if (string.IsNullOrEmpty(options.ClientSecret))
        {
            options.ClientSecret = azureAd["ClientSecret"] is { Length: > 0 } secret
                ? secret
                : credentials.FirstOrDefault(c => c.SourceType == CredentialSource.ClientSecret)?.ClientSecret;
        }

        var certificates = credentials.Where(c => c.SourceType != CredentialSource.ClientSecret).ToList();
        if (!string.IsNullOrEmpty(options.ClientSecret) || certificates.Count == 0)
        {
            return;
        }

        X509Certificate2? certificate = null;
        var previous = options.Events.OnAuthorizationCodeReceived;
        options.Events.OnAuthorizationCodeReceived = async context =>
        {
            await previous(context);

            // Loaded at the first sign-in, as Identity.Web does, so a Key Vault that is briefly away does not stop the start.
            certificate ??= await LoadFirstAsync(certificates);
            var request = context.TokenEndpointRequest!;
            request.ClientAssertionType = JwtBearerAssertion;
            var provider = await context.Options.ConfigurationManager!.GetConfigurationAsync(context.HttpContext.RequestAborted);
            request.ClientAssertion = ClientAssertion(certificate, options.ClientId!, provider.TokenEndpoint, time);
        };
    }

    private static async Task<X509Certificate2> LoadFirstAsync(List<CredentialDescription> certificates)
    {
        var loader = new DefaultCertificateLoader();
        foreach (var description in certificates)
        {
            await loader.LoadCredentialsIfNeededAsync(description);
            if (description.Certificate is { } loaded)
            {
                return loaded;
            }
        }

        throw new InvalidOperationException("None of the certificates in AzureAd:ClientCredentials could be loaded.");
    }

    /// <summary>An RFC 7523 client assertion: short-lived, for this token endpoint only, signed with the app's certificate.</summary>
    private static string ClientAssertion(X509Certificate2 certificate, string clientId, string tokenEndpoint, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = tokenEndpoint,
            Claims = new Dictionary<string, object> { ["sub"] = clientId, ["jti"] = Guid.NewGuid().ToString() },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new X509SigningCredentials(certificate, SecurityAlgorithms.RsaSha256),
        });
    }
}
