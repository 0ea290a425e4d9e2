namespace Portal.Web.Identity;

using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Portal.Core.Access;

/// <summary>
/// Ties the session cookie to a session row (<see cref="IUserSessionStore"/>): sign-in starts one, every request checks it (no
/// cache, so a sign-out on one node counts on all of them at the next request), sign-out ends it. A copy of the cookie taken
/// before sign-out is therefore worthless after it.
/// </summary>
internal static class ServerSessions
{
    /// <summary>The session row's id, carried inside the (encrypted) cookie.</summary>
    public const string SessionClaim = "portal_session";

    public static void Attach(CookieAuthenticationOptions options)
    {
        options.ExpireTimeSpan = UserSession.IdleTimeout;
        options.Events.OnSigningIn = async context =>
        {
            if (context.Principal?.Identity is not ClaimsIdentity identity || identity.FindFirst(PortalClaims.UserId) is not { } user)
            {
                return;
            }

            foreach (var stale in identity.FindAll(SessionClaim).ToList())
            {
                identity.RemoveClaim(stale);
            }

            var store = context.HttpContext.RequestServices.GetRequiredService<IUserSessionStore>();
            identity.AddClaim(new Claim(SessionClaim, await store.StartAsync(user.Value, context.HttpContext.RequestAborted)));
        };
        options.Events.OnValidatePrincipal = async context =>
        {
            var store = context.HttpContext.RequestServices.GetRequiredService<IUserSessionStore>();
            if (context.Principal is null || !await IsActiveAsync(store, context.Principal, context.HttpContext.RequestAborted))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            }
        };
        options.Events.OnSigningOut = async context =>
        {
            if (context.HttpContext.User.FindFirstValue(SessionClaim) is { } session)
            {
                // Not the request's token: a sign-out must finish even if the browser stops waiting.
                await context.HttpContext.RequestServices.GetRequiredService<IUserSessionStore>().EndAsync(session, CancellationToken.None);
            }
        };
    }

    public static async Task<bool> IsActiveAsync(IUserSessionStore store, ClaimsPrincipal principal, CancellationToken cancellationToken) =>
        principal.FindFirstValue(SessionClaim) is { } session
        && principal.FindFirstValue(PortalClaims.UserId) is { } user
        && await store.IsActiveAsync(session, user, cancellationToken);
}

/// <summary>
/// A live Blazor circuit makes no further HTTP requests, so it re-checks its session every minute: an ended session turns the
/// page into the sign-in redirect without waiting for a reload.
/// </summary>
internal sealed class SessionRevalidatingStateProvider(ILoggerFactory loggerFactory, IUserSessionStore store)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        ServerSessions.IsActiveAsync(store, authenticationState.User, cancellationToken);
}
