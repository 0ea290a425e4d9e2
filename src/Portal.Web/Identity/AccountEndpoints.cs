namespace Portal.Web.Identity;

using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Core.Access;
using Portal.Infrastructure.Demo;
using Portal.Web.Components.Account;

/// <summary>
/// <c>/authentication/login</c>, <c>/authentication/logout</c> and the sign-in error page <c>/authentication/error</c> for every
/// identity provider, and in Development without one,
/// the local sign-in <c>/account/local-login</c>. Return URLs are reduced to local paths (no open redirect).
/// </summary>
internal static class AccountEndpoints
{
    public const string LoginPath = "/authentication/login";
    public const string LogoutPath = "/authentication/logout";
    public const string LocalLoginPath = "/account/local-login";
    public const string ErrorPath = "/authentication/error";
    public const string LocalScheme = "Local";

    private static readonly LocalSignIn.DemoUser[] DemoUsers =
    [
        new(DemoSeeder.AdminUserId, "Alice", "Admin"),
        new(DemoSeeder.ContributorUserId, "Bob", "Contributor"),
        new(DemoSeeder.ViewerUserId, "Carol", "Viewer"),
    ];

    public static IEndpointRouteBuilder MapPortalAccount(this IEndpointRouteBuilder app, PortalIdentityMode mode)
    {
        app.MapGet(LoginPath, async (string? returnUrl, HttpContext context, ILoggerFactory loggers) =>
        {
            var target = LocalReturnUrl.Sanitize(returnUrl);
            try
            {
                await context.ChallengeAsync(mode.ChallengeScheme, new AuthenticationProperties { RedirectUri = target });
                return Results.Empty;
            }
            catch (Exception e) when (mode.RemoteScheme is not null && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                // The challenge first reads the provider's discovery document: an unreachable provider throws here.
                loggers.CreateLogger(typeof(SignInFailures)).LogWarning(e, "Could not start a sign-in at the identity provider");
                return Results.Redirect(SignInFailures.ErrorUrl(SignInFailures.Classify(e), target));
            }
        }).AllowAnonymous();

        app.MapGet(ErrorPath, (string? reason, string? returnUrl) => new RazorComponentResult<SignInError>(new Dictionary<string, object?>
        {
            [nameof(SignInError.Reason)] = SignInFailures.Describe(Enum.TryParse<SignInFailure>(reason, ignoreCase: true, out var known) && Enum.IsDefined(known) ? known : null),
            [nameof(SignInError.TryAgainUrl)] = $"{LoginPath}?returnUrl={Uri.EscapeDataString(LocalReturnUrl.Sanitize(returnUrl))}",
        })).AllowAnonymous();

        app.MapPost(LogoutPath, async (HttpContext context, IAntiforgery antiforgery, ILoggerFactory loggers) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Sign-out needs the form's antiforgery token.");
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var properties = new AuthenticationProperties { RedirectUri = LocalReturnUrl.Sanitize(form["returnUrl"]) };
            var signedOut = await SignOutLocallyAsync(context, properties.RedirectUri);
            if (mode.RemoteScheme is not { } remote)
            {
                return signedOut;
            }

            try
            {
                await context.SignOutAsync(remote, properties);
                return Results.Empty;
            }
            catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                // Portal's session has already ended; only the provider's own sign-out page could not be reached.
                loggers.CreateLogger(typeof(SignInFailures)).LogWarning(e, "Signed out of Portal, but not at the identity provider");
                return signedOut;
            }
        }).AllowAnonymous();

        // Nothing below exists outside Development or when an identity provider is configured: those paths answer 404.
        if (mode.LocalSignIn)
        {
            var local = app.MapGroup(LocalLoginPath).AllowAnonymous();
            local.MapGet("/", async (string? user, string? returnUrl, HttpContext context, IAntiforgery antiforgery, UserAccessService access) =>
                user is null
                    ? Page(context, antiforgery, LocalReturnUrl.Sanitize(returnUrl))
                    : await SignInLocallyAsync(context, antiforgery, access, user, returnUrl));
            local.MapPost("/", async (HttpContext context, IAntiforgery antiforgery, UserAccessService access) =>
            {
                if (!await antiforgery.IsRequestValidAsync(context))
                {
                    return Page(context, antiforgery, "/", "The sign-in form expired; pick a user again.", StatusCodes.Status400BadRequest);
                }

                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                return await SignInLocallyAsync(context, antiforgery, access, form["user"].ToString(), form["returnUrl"]);
            });
        }
        else
        {
            // Say 404 for every method, rather than letting another endpoint's 405 hint that something lives here.
            app.Map(LocalLoginPath + "/{**rest}", () => Results.NotFound()).AllowAnonymous();
        }

        return app;
    }

    private static async Task<IResult> SignInLocallyAsync(
        HttpContext context, IAntiforgery antiforgery, UserAccessService access, string userId, string? returnUrl)
    {
        var user = string.IsNullOrWhiteSpace(userId) ? null : await access.FindUserAsync(userId, context.RequestAborted);
        if (user is null)
        {
            return Page(context, antiforgery, LocalReturnUrl.Sanitize(returnUrl), $"There is no user '{userId}'.", StatusCodes.Status400BadRequest);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(PortalClaims.UserId, user.Id),
                new Claim(ClaimTypes.NameIdentifier, user.Id),
                new Claim(PortalClaims.Name, user.DisplayName),
                new Claim(ClaimTypes.Name, user.DisplayName),
            ],
            LocalScheme, PortalClaims.Name, ClaimTypes.Role);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return Results.LocalRedirect(LocalReturnUrl.Sanitize(returnUrl));
    }

    private static async Task<IResult> SignOutLocallyAsync(HttpContext context, string? returnUrl)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.LocalRedirect(LocalReturnUrl.Sanitize(returnUrl));
    }

    private static RazorComponentResult<LocalSignIn> Page(
        HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error = null, int status = StatusCodes.Status200OK)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return new RazorComponentResult<LocalSignIn>(new Dictionary<string, object?>
        {
            [nameof(LocalSignIn.Users)] = DemoUsers,
            [nameof(LocalSignIn.ReturnUrl)] = returnUrl,
            [nameof(LocalSignIn.AntiforgeryFieldName)] = tokens.FormFieldName,
            [nameof(LocalSignIn.AntiforgeryToken)] = tokens.RequestToken,
            [nameof(LocalSignIn.Error)] = error,
        })
        { StatusCode = status };
    }
}
