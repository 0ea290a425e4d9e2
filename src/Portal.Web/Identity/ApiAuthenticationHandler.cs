namespace Portal.Web.Identity;

using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

/// <summary>
/// The REST API's scheme: it accepts the browser session cookie, answers 401/403 as JSON problems instead of redirecting to a
/// sign-in page, and refuses cookie-authenticated state changes that lack <see cref="CsrfHeader"/>. Browsers cannot add a custom
/// header to a cross-site request without a CORS preflight, which Portal never grants, so another site cannot forge such a call.
/// </summary>
internal sealed class ApiAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Api";
    public const string CsrfHeader = "X-Requested-With";

    private const string CsrfMessage =
        $"Cookie-authenticated API requests that change state must send the header {CsrfHeader} (protection against cross-site request forgery).";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var cookie = await Context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (!cookie.Succeeded)
        {
            return cookie.None ? AuthenticateResult.NoResult() : AuthenticateResult.Fail(cookie.Failure ?? new InvalidOperationException("Invalid session."));
        }

        if (!HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method) && !HttpMethods.IsOptions(Request.Method)
            && string.IsNullOrWhiteSpace(Request.Headers[CsrfHeader]))
        {
            return AuthenticateResult.Fail(CsrfMessage);
        }

        return AuthenticateResult.Success(new AuthenticationTicket(cookie.Principal, cookie.Properties, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure?.Message == CsrfMessage
            ? CsrfMessage
            : "You are not signed in: sign in to Portal in a browser, then call the API with the session cookie.";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Not signed in", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "You are not allowed to do this.");

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(Context);
    }
}
