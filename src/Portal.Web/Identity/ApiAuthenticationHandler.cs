namespace Portal.Web.Identity;

using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Portal.Core.Access.Tokens;

/// <summary>
/// The REST API's scheme: it accepts a personal API token (<c>Authorization: Bearer portal_…</c>), a provider's bearer JWT when
/// sign-in through one is configured, or the browser session cookie; it answers 401/403 as JSON problems instead of redirecting
/// to a sign-in page, and refuses cookie-authenticated state changes that lack <see cref="CsrfHeader"/>. Browsers cannot add a
/// custom header to a cross-site request without a CORS preflight, which Portal never grants, so another site cannot forge such
/// a call; nor can it make a browser send an Authorization header, so bearer calls need no such header.
/// </summary>
internal sealed class ApiAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PortalIdentityMode mode) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Api";
    public const string CsrfHeader = "X-Requested-With";

    public const string NotSignedInMessage =
        "You are not signed in: send a personal API token as 'Authorization: Bearer portal_…' (create one on Portal's API tokens page), "
        + "or sign in to Portal in a browser and call the API with the session cookie.";

    private const string CsrfMessage =
        $"Cookie-authenticated API requests that change state must send the header {CsrfHeader} (protection against cross-site request forgery).";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.Authorization.Count > 0)
        {
            return await BearerAsync(Request.Headers.Authorization.ToString());
        }

        var cookie = await Context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (!cookie.Succeeded)
        {
            return cookie.None ? AuthenticateResult.NoResult() : AuthenticateResult.Fail(cookie.Failure ?? new InvalidOperationException("Invalid session."));
        }

        if (!HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method) && !HttpMethods.IsOptions(Request.Method)
            && string.IsNullOrWhiteSpace(Request.Headers[CsrfHeader]))
        {
            return AuthenticateResult.Fail(new ApiAuthenticationFailure(CsrfMessage));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(cookie.Principal, cookie.Properties, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure is ApiAuthenticationFailure failure ? failure.Message : NotSignedInMessage;
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Not signed in", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", ApiTokenPrincipal.IsReadOnlyWrite(Context)
            ? $"This API token is read-only: it may only read (GET). {Request.Method} {Request.Path} needs a token that is not read-only, or a browser session."
            : "You are not allowed to do this.");

    private async Task<AuthenticateResult> BearerAsync(string authorization)
    {
        const string bearer = "Bearer ";
        var presented = authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
        if (string.IsNullOrEmpty(presented))
        {
            return Failed("The Authorization header must be 'Bearer ' followed by a personal API token (portal_…)"
                + (mode.BearerJwtScheme is null ? "." : " or an access token from Portal's identity provider."));
        }

        if (mode.BearerJwtScheme is { } jwt && !presented.StartsWith(ApiTokenRules.SecretPrefix, StringComparison.Ordinal))
        {
            var provider = await Context.AuthenticateAsync(jwt);
            return provider.Succeeded
                ? AuthenticateResult.Success(new AuthenticationTicket(provider.Principal, SchemeName))
                : Failed($"The identity provider's access token was refused: {provider.Failure?.Message ?? "no token"}");
        }

        var tokens = Context.RequestServices.GetRequiredService<ApiTokenService>();
        var checkedToken = await tokens.AuthenticateAsync(presented, Context.Connection.RemoteIpAddress?.ToString(), Context.RequestAborted);
        return checkedToken.Owner is { } owner
            ? AuthenticateResult.Success(new AuthenticationTicket(ApiTokenPrincipal.For(owner, SchemeName), SchemeName))
            : Failed(checkedToken.Rejection!.Message);
    }

    private static AuthenticateResult Failed(string detail) => AuthenticateResult.Fail(new ApiAuthenticationFailure(detail));

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(Context);
    }
}

/// <summary>A refusal whose message is meant for the caller, as the 401's detail.</summary>
internal sealed class ApiAuthenticationFailure(string message) : Exception(message);
