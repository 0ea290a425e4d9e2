namespace Portal.Web.Identity;

using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Portal.Core.Access.Tokens;

/// <summary>
/// The user a personal API token acts as. It carries only the user's id and name: roles are read from the database at each call,
/// as for a browser session, so a role taken away counts at the token's next call.
/// </summary>
internal static class ApiTokenPrincipal
{
    public const string TokenIdClaim = "portal_token";
    public const string ReadOnlyClaim = "portal_token_read_only";

    public static ClaimsPrincipal For(OwnedToken owner, string authenticationType) => new(new ClaimsIdentity(
        [
            new Claim(PortalClaims.UserId, owner.Token.UserId),
            new Claim(PortalClaims.Name, owner.OwnerName),
            new Claim(TokenIdClaim, owner.Token.Id),
            new Claim(ReadOnlyClaim, owner.Token.ReadOnly ? "true" : "false"),
        ],
        authenticationType, PortalClaims.Name, null));

    public static string? TokenId(ClaimsPrincipal user) => user.FindFirstValue(TokenIdClaim);

    /// <summary>A read-only token asking for anything but a read.</summary>
    public static bool IsReadOnlyWrite(HttpContext context) =>
        context.User.FindFirstValue(ReadOnlyClaim) == "true"
        && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method);

    /// <summary>Every authorized call also needs this: a read-only token may only read.</summary>
    public static void RequireNoReadOnlyWrite(AuthorizationOptions options) =>
        options.DefaultPolicy = new AuthorizationPolicyBuilder(options.DefaultPolicy)
            .RequireAssertion(context => context.Resource is not HttpContext http || !IsReadOnlyWrite(http))
            .Build();
}
