namespace Portal.Web.Identity;

using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Portal.Core.Access;

/// <summary>
/// Runs when an identity provider's token has been validated: records the user, applies the roles their app roles or groups map to
/// (<c>Access:RoleMappings</c>) through the application layer, and stamps the session with Portal's user id.
/// </summary>
internal static class SignInRoleSync
{
    public static void Attach(OpenIdConnectOptions options, string[] userIdClaims, string[] roleClaims)
    {
        var previous = options.Events.OnTokenValidated;
        options.Events.OnTokenValidated = async context =>
        {
            await previous(context);
            if (context.Principal?.Identity is not ClaimsIdentity identity)
            {
                return;
            }

            var services = context.HttpContext.RequestServices;
            var access = services.GetRequiredService<IOptions<AccessOptions>>().Value;
            var external = Describe(identity, userIdClaims);
            if (external is null)
            {
                context.Fail($"The identity provider's token has none of the claims {string.Join(", ", userIdClaims)} to identify the user.");
                return;
            }

            var values = identity.Claims.Where(c => roleClaims.Contains(c.Type, StringComparer.Ordinal)).Select(c => c.Value);
            var grants = RoleMapping.Resolve(access.RoleMappings, values);
            var mappedProjects = access.RoleMappings.Select(m => m.Project).Distinct(StringComparer.Ordinal).ToList();
            await services.GetRequiredService<UserAccessService>()
                .ApplySignInAsync(external, grants, access.RevokeUnmappedRoles, mappedProjects, context.HttpContext.RequestAborted);

            identity.AddClaim(new Claim(PortalClaims.UserId, external.UserId));
            if (identity.FindFirst(PortalClaims.Name) is null)
            {
                identity.AddClaim(new Claim(PortalClaims.Name, external.DisplayName));
            }
        };
    }

    /// <summary>Who the provider's token names, by the first of <paramref name="userIdClaims"/> it carries; null when none.</summary>
    public static ExternalIdentity? Describe(ClaimsIdentity identity, string[] userIdClaims)
    {
        var id = userIdClaims.Select(identity.FindFirst).FirstOrDefault(c => c is not null)?.Value;
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        var email = identity.FindFirst("email")?.Value ?? identity.FindFirst(ClaimTypes.Email)?.Value
            ?? identity.FindFirst("preferred_username")?.Value;
        var name = identity.FindFirst(PortalClaims.Name)?.Value ?? identity.FindFirst(ClaimTypes.Name)?.Value ?? email ?? id;
        return new ExternalIdentity(id, name, email);
    }
}
