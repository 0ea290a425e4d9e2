namespace Portal.Web.Identity;

using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Portal.Core.Common;

/// <summary>Turns whoever signed in (local demo sign-in, Entra ID, OpenID Connect) into the application layer's actor.</summary>
public static class PortalClaims
{
    /// <summary>Portal's own user id, added at sign-in whatever the provider calls it (oid, sub…).</summary>
    public const string UserId = "portal_user_id";

    public const string Name = "name";

    public static Actor? ToActor(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var id = principal.FindFirstValue(UserId);
        var name = principal.FindFirstValue(Name) ?? principal.Identity.Name ?? id;
        return id is null ? null : new Actor(id, name ?? id);
    }
}

/// <summary>The actor of the current HTTP request (API) or Blazor circuit (components).</summary>
public sealed class CurrentActor(IHttpContextAccessor http, AuthenticationStateProvider authentication)
{
    public async Task<Actor> GetAsync()
    {
        // An API request has an HttpContext; a live circuit has only its authentication state.
        var user = http.HttpContext?.User ?? (await authentication.GetAuthenticationStateAsync()).User;
        return PortalClaims.ToActor(user) ?? throw new PortalRefusedException(
            new Refusal(RefusalCode.MissingRole, "You are not signed in."));
    }
}
