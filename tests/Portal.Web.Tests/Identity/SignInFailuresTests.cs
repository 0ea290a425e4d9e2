namespace Portal.Web.Tests.Identity;

using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Portal.Web.Identity;

/// <summary>Each way the OpenID Connect handler reports a failed sign-in gets the reason the error page words.</summary>
public sealed class SignInFailuresTests
{
    public static TheoryData<Exception?, SignInFailure> Failures => new()
    {
        { Protocol("access_denied"), SignInFailure.Cancelled },
        { Protocol("invalid_client"), SignInFailure.Rejected },
        { Protocol("invalid_grant"), SignInFailure.Rejected },
        { new OpenIdConnectProtocolInvalidNonceException("IDX21323: nonce mismatch"), SignInFailure.Refused },
        { new SecurityTokenInvalidSignatureException("IDX10511: signature validation failed"), SignInFailure.Refused },
        { new SecurityTokenExpiredException("IDX10223: lifetime validation failed"), SignInFailure.Refused },
        { new SecurityTokenInvalidAudienceException("IDX10214: audience validation failed"), SignInFailure.Refused },
        { new InvalidOperationException("IDX20803: Unable to obtain configuration", new IOException("IDX20804", new HttpRequestException("Connection refused"))), SignInFailure.Unreachable },
        { new HttpRequestException("Connection refused (token endpoint)"), SignInFailure.Unreachable },
        { new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout"), SignInFailure.Unreachable },
        { new AuthenticationFailureException("Correlation failed."), SignInFailure.Expired },
        { new AuthenticationFailureException("The oauth state was missing or invalid."), SignInFailure.Expired },
        { null, SignInFailure.Refused },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_is_classified_by_what_went_wrong(Exception? failure, SignInFailure expected) =>
        Assert.Equal(expected, SignInFailures.Classify(failure));

    [Fact]
    public void Every_reason_has_its_own_words_and_an_unknown_one_a_plain_sentence()
    {
        var texts = Enum.GetValues<SignInFailure>().Select(r => SignInFailures.Describe(r)).ToList();

        Assert.Equal(texts.Count, texts.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("The sign-in did not complete.", SignInFailures.Describe(null));
    }

    [Fact]
    public void The_error_url_carries_the_reason_and_a_local_return_url_only()
    {
        Assert.Equal("/authentication/error?reason=cancelled&returnUrl=%2F%25C3%25A9", SignInFailures.ErrorUrl(SignInFailure.Cancelled, "/é"));
        Assert.Equal("/authentication/error?reason=unreachable&returnUrl=%2F", SignInFailures.ErrorUrl(SignInFailure.Unreachable, "https://evil.example"));
    }

    private static OpenIdConnectProtocolException Protocol(string error)
    {
        var exception = new OpenIdConnectProtocolException($"Message contains error: '{error}'");
        exception.Data["error"] = error;
        return exception;
    }
}
