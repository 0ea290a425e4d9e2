namespace Portal.Api.Tests;

using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

/// <summary>What the provider does wrong on purpose, to show Portal refuses it.</summary>
public enum ProviderFault
{
    None,
    BadSignature,
    WrongNonce,
    WrongAudience,
    Expired,
    UserCancels,
}

/// <summary>
/// A real OpenID Connect provider, in process (the machine has no network): discovery, keys, an authorize endpoint that signs the
/// user in at once, a token endpoint that checks the client secret, the redirect URI and the PKCE code_verifier against the
/// code_challenge, then issues an RS256 id_token signed with its own key. Portal reaches it through <see cref="Handler"/>.
/// </summary>
public sealed partial class TestOidcProvider : IAsyncDisposable
{
    private static readonly string[] Code = ["code"];
    private static readonly string[] Public = ["public"];
    private static readonly string[] Rs256 = ["RS256"];
    private static readonly string[] S256 = ["S256"];

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "provider-key" };
    private readonly ConcurrentDictionary<string, PendingCode> _codes = new();

    public TestOidcProvider(string issuer, string clientId, string clientSecret, IReadOnlyDictionary<string, object> userClaims)
    {
        Issuer = issuer.TrimEnd('/');
        ClientId = clientId;
        ClientSecret = clientSecret;
        UserClaims = userClaims;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        _app = builder.Build();
        _app.MapGet("{**path}", (Delegate)Get);
        _app.MapPost("{**path}", (Delegate)TokenAsync);
        _app.StartAsync().GetAwaiter().GetResult();
    }

    public string Issuer { get; }
    public string ClientId { get; }
    public string ClientSecret { get; }
    public IReadOnlyDictionary<string, object> UserClaims { get; }
    public ProviderFault Fault { get; set; }

    /// <summary>When set, the client must authenticate with an assertion signed by this certificate instead of the secret.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Codes redeemed after their code_verifier matched the code_challenge (S256).</summary>
    public int CodesRedeemedWithPkce { get; private set; }

    /// <summary>Why the token endpoint turned a request down, newest last.</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    /// <summary>The authorize requests' query strings, as the browser brought them.</summary>
    public ConcurrentQueue<Dictionary<string, string>> AuthorizeRequests { get; } = new();

    public HttpMessageHandler Handler => _app.GetTestServer().CreateHandler();

    /// <summary>The user's browser at the provider: follows the authorize redirect and returns the form it posts back to Portal.</summary>
    public async Task<(Uri Action, Dictionary<string, string> Fields)> AuthorizeAsync(Uri authorizeUrl, CancellationToken cancellationToken)
    {
        using var browser = new HttpClient(Handler);
        var html = await browser.GetStringAsync(authorizeUrl, cancellationToken);
        var action = FormAction().Match(html).Groups[1].Value;
        var fields = HiddenField().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        return (new Uri(WebUtility.HtmlDecode(action)), fields);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _key.Rsa.Dispose();
    }

    private IResult Get(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        return path switch
        {
            _ when path.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal) => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = Issuer,
                ["authorization_endpoint"] = $"{Issuer}/authorize",
                ["token_endpoint"] = $"{Issuer}/token",
                ["userinfo_endpoint"] = $"{Issuer}/userinfo",
                ["end_session_endpoint"] = $"{Issuer}/logout",
                ["jwks_uri"] = $"{Issuer}/keys",
                ["response_types_supported"] = Code,
                ["subject_types_supported"] = Public,
                ["id_token_signing_alg_values_supported"] = Rs256,
                ["code_challenge_methods_supported"] = S256,
            }),
            _ when path.EndsWith("/keys", StringComparison.Ordinal) => Results.Json(new { keys = new[] { PublicKey() } }),
            _ when path.EndsWith("/authorize", StringComparison.Ordinal) => Authorize(context.Request.Query),
            _ when path.EndsWith("/userinfo", StringComparison.Ordinal) => Results.Json(new Dictionary<string, object> { ["sub"] = UserClaims["sub"], ["name"] = UserClaims["name"] }),
            _ => Results.NotFound(),
        };
    }

    private IResult Authorize(IQueryCollection query)
    {
        var request = query.ToDictionary(q => q.Key, q => q.Value.ToString());
        AuthorizeRequests.Enqueue(request);
        var fields = new Dictionary<string, string> { ["state"] = request.GetValueOrDefault("state", "") };
        if (Fault == ProviderFault.UserCancels)
        {
            fields["error"] = "access_denied";
            fields["error_description"] = "The user cancelled the sign-in.";
        }
        else
        {
            var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
            _codes[code] = new PendingCode(request.GetValueOrDefault("client_id", ""), request.GetValueOrDefault("redirect_uri", ""),
                request.GetValueOrDefault("nonce", ""), request.GetValueOrDefault("code_challenge"), request.GetValueOrDefault("code_challenge_method"));
            fields["code"] = code;
        }

        var inputs = string.Concat(fields.Select(f => $"<input type=\"hidden\" name=\"{f.Key}\" value=\"{WebUtility.HtmlEncode(f.Value)}\" />"));
        return Results.Content(
            $"<html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{WebUtility.HtmlEncode(request.GetValueOrDefault("redirect_uri", ""))}\">{inputs}</form></body></html>",
            "text/html");
    }

    private async Task<IResult> TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (!form["grant_type"].Equals("authorization_code") || !_codes.TryRemove(form["code"].ToString(), out var pending))
        {
            return Refuse("invalid_grant", "unknown or reused authorization code");
        }

        if (form["client_id"] != ClientId || pending.ClientId != ClientId || !await ClientAuthenticatedAsync(form))
        {
            return Refuse("invalid_client", "wrong client id, secret or assertion");
        }

        if (form["redirect_uri"] != pending.RedirectUri)
        {
            return Refuse("invalid_grant", "redirect_uri differs from the authorize request's");
        }

        var verifier = form["code_verifier"].ToString();
        if (pending.CodeChallengeMethod != "S256" || pending.CodeChallenge is null || verifier.Length < 43
            || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != pending.CodeChallenge)
        {
            return Refuse("invalid_grant", "PKCE code_verifier does not match the code_challenge");
        }

        CodesRedeemedWithPkce++;
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24)),
            ["token_type"] = "Bearer",
            ["expires_in"] = 3600,
            ["id_token"] = IdToken(pending.Nonce),
        });
    }

    /// <summary>The client secret, or with <see cref="ClientCertificate"/> set, an assertion signed by that certificate for this token endpoint.</summary>
    private async Task<bool> ClientAuthenticatedAsync(IFormCollection form)
    {
        if (ClientCertificate is null)
        {
            return form["client_secret"] == ClientSecret;
        }

        if (form["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || form.ContainsKey("client_secret"))
        {
            return false;
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(form["client_assertion"].ToString(), new TokenValidationParameters
        {
            ValidIssuer = ClientId,
            ValidAudience = $"{Issuer}/token",
            IssuerSigningKey = new X509SecurityKey(ClientCertificate),
        });
        return result.IsValid && result.Claims.TryGetValue("sub", out var sub) && (string)sub == ClientId;
    }

    private IResult Refuse(string error, string description)
    {
        Refusals.Enqueue(description);
        return Results.Json(new { error, error_description = description }, statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>An access token for <paramref name="audience"/>, as the provider would give a script (client credentials, device code…).</summary>
    public string AccessToken(string audience, bool expired = false)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = new Dictionary<string, object>(UserClaims),
            IssuedAt = expired ? now.AddHours(-3) : now,
            NotBefore = expired ? now.AddHours(-3) : now.AddMinutes(-1),
            Expires = expired ? now.AddHours(-2) : now.AddHours(1),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    private string IdToken(string nonce)
    {
        var now = DateTime.UtcNow;
        var expired = Fault == ProviderFault.Expired;
        var claims = new Dictionary<string, object>(UserClaims)
        {
            ["nonce"] = Fault == ProviderFault.WrongNonce ? "not-the-nonce-portal-sent" : nonce,
        };
        using var other = RSA.Create(2048);
        var key = Fault == ProviderFault.BadSignature ? new RsaSecurityKey(other) { KeyId = _key.KeyId } : _key;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Fault == ProviderFault.WrongAudience ? "someone-elses-app" : ClientId,
            Claims = claims,
            IssuedAt = expired ? now.AddHours(-3) : now,
            NotBefore = expired ? now.AddHours(-3) : now.AddMinutes(-1),
            Expires = expired ? now.AddHours(-2) : now.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    private Dictionary<string, string> PublicKey()
    {
        var parameters = _key.Rsa.ExportParameters(includePrivateParameters: false);
        return new()
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = _key.KeyId,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        };
    }

    private sealed record PendingCode(string ClientId, string RedirectUri, string Nonce, string? CodeChallenge, string? CodeChallengeMethod);

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenField();
}
