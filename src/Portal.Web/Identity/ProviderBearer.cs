namespace Portal.Web.Identity;

using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

/// <summary>
/// Access tokens (JWTs) from the identity provider Portal signs in with, accepted on the API as <c>Authorization: Bearer</c>. The
/// user is named by the same claim as at browser sign-in, so a script holding the provider's token acts as the same Portal user
/// with that user's roles (read per call); roles are granted only at browser sign-in.
/// </summary>
internal static class ProviderBearer
{
    public const string SchemeName = "ProviderBearer";

    public static void Add(AuthenticationBuilder authentication, string authority, string[] audiences, string[] issuers, bool requireHttpsMetadata, string[] userIdClaims) =>
        authentication.AddJwtBearer(SchemeName, o =>
        {
            o.Authority = authority;
            o.RequireHttpsMetadata = requireHttpsMetadata;
            o.MapInboundClaims = false;
            o.TokenValidationParameters.ValidAudiences = audiences;
            if (issuers.Length > 0)
            {
                o.TokenValidationParameters.ValidIssuers = issuers;
            }

            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    if (context.Principal?.Identity is not ClaimsIdentity identity || SignInRoleSync.Describe(identity, userIdClaims) is not { } user)
                    {
                        context.Fail($"the token has none of the claims {string.Join(", ", userIdClaims)} that name the user.");
                        return Task.CompletedTask;
                    }

                    identity.AddClaim(new Claim(PortalClaims.UserId, user.UserId));
                    if (identity.FindFirst(PortalClaims.Name) is null)
                    {
                        identity.AddClaim(new Claim(PortalClaims.Name, user.DisplayName));
                    }

                    return Task.CompletedTask;
                },
            };
        });
}
