namespace Portal.Web.Identity;

using System.Net.Sockets;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

/// <summary>Why a sign-in through the identity provider did not complete, as the error page words it.</summary>
public enum SignInFailure
{
    /// <summary>Portal could not reach the provider (discovery, keys or token endpoint).</summary>
    Unreachable,

    /// <summary>The user cancelled or declined at the provider (<c>error=access_denied</c>).</summary>
    Cancelled,

    /// <summary>The provider's token did not check out: signature, issuer, audience, nonce, expiry, or no user id.</summary>
    Refused,

    /// <summary>The provider answered Portal's request with an error (wrong client secret, code or PKCE verifier…).</summary>
    Rejected,

    /// <summary>The sign-in was started too long ago, or in another browser, so its state cookie is gone.</summary>
    Expired,
}

/// <summary>
/// Turns every way a sign-in can fail into a redirect to the plain error page (<see cref="AccountEndpoints.ErrorPath"/>) with
/// the reason in words and a "try again" link, never a 500; the log keeps the exception.
/// </summary>
internal static class SignInFailures
{
    public static string Describe(SignInFailure? reason) => reason switch
    {
        SignInFailure.Unreachable => "Portal could not reach the identity provider. It may be down, or Portal's network cannot get to it.",
        SignInFailure.Cancelled => "The sign-in was cancelled at the identity provider, or Portal was not given access to your account.",
        SignInFailure.Refused => "Portal refused the identity provider's answer: its token did not pass the checks (signature, issuer, audience, nonce or expiry).",
        SignInFailure.Rejected => "The identity provider refused Portal's sign-in request. Portal's client id or secret may be wrong or expired.",
        SignInFailure.Expired => "The sign-in took too long or was started in another browser window.",
        _ => "The sign-in did not complete.",
    };

    public static string ErrorUrl(SignInFailure reason, string? returnUrl) =>
        $"{AccountEndpoints.ErrorPath}?reason={reason.ToString().ToLowerInvariant()}&returnUrl={Uri.EscapeDataString(LocalReturnUrl.Sanitize(returnUrl))}";

    public static void Attach(OpenIdConnectOptions options)
    {
        var previous = options.Events.OnRemoteFailure;
        options.Events.OnRemoteFailure = async context =>
        {
            await previous(context);
            if (context.Result is { Handled: true })
            {
                return;
            }

            var reason = Classify(context.Failure);
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInFailures))
                .LogWarning(context.Failure, "Sign-in through the identity provider failed: {Reason}", reason);
            context.Response.Redirect(ErrorUrl(reason, context.Properties?.RedirectUri));
            context.HandleResponse();
        };
    }

    public static SignInFailure Classify(Exception? failure)
    {
        var chain = Chain(failure).ToList();
        if (chain.OfType<OpenIdConnectProtocolException>().Any(e => e.Data["error"] as string == "access_denied"))
        {
            return SignInFailure.Cancelled;
        }

        if (chain.Any(e => e is HttpRequestException or IOException or SocketException or TaskCanceledException))
        {
            return SignInFailure.Unreachable;
        }

        if (failure?.Message is "Correlation failed." or "The oauth state was missing or invalid.")
        {
            return SignInFailure.Expired;
        }

        // The handler puts the provider's own error code in Data["error"]; token checks throw without one.
        return chain.OfType<OpenIdConnectProtocolException>().Any(e => e.Data["error"] is string)
            ? SignInFailure.Rejected
            : SignInFailure.Refused;
    }

    private static IEnumerable<Exception> Chain(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
