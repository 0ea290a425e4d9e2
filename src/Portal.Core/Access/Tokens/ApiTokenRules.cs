namespace Portal.Core.Access.Tokens;

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Portal.Core.Common;

/// <summary>What a token looks like, how long it lives, and whether a presented one counts; pure, so the rules are tested alone.</summary>
public static class ApiTokenRules
{
    public const string SecretPrefix = "portal_";
    public const int SecretBytes = 32;
    public const int DefaultExpiryDays = 90;
    public const int MaxExpiryDays = 3650;
    public const int MaxNameLength = 100;

    /// <summary>Characters of the secret (after <see cref="SecretPrefix"/>) kept in clear to tell tokens apart; too few to guess the rest.</summary>
    public const int DisplayedSecretCharacters = 6;

    /// <summary>A user with this many usable tokens must revoke one first; keeps a runaway script from filling the table.</summary>
    public const int MaxUsableTokensPerUser = 50;

    /// <summary>Uses closer together than this are recorded once: last-used is for humans, not an audit log.</summary>
    public static readonly TimeSpan UseRecordInterval = TimeSpan.FromMinutes(1);

    public static readonly int SecretLength = SecretPrefix.Length + Base64Url.GetEncodedLength(SecretBytes);

    public const string ExpiryRule =
        "'expires_in_days' must be a whole number of days from 1 to 3650, 0 for a token that never expires, or left out for 90 days.";

    /// <summary>A new secret: the prefix and 32 random bytes in base64url (no padding).</summary>
    public static string NewSecret() => SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string DisplayPrefix(string secret) => secret[..(SecretPrefix.Length + DisplayedSecretCharacters)];

    /// <summary>Whether the text has the shape of a Portal token; anything else is never looked up.</summary>
    public static bool IsWellFormed(string? secret) =>
        secret is not null && secret.Length == SecretLength && secret.StartsWith(SecretPrefix, StringComparison.Ordinal)
        && Base64Url.IsValid(secret.AsSpan(SecretPrefix.Length), out var decoded) && decoded == SecretBytes;

    /// <summary>The trimmed name, or a refusal saying what a name must be.</summary>
    public static string ValidName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        return trimmed.Length == 0
            ? throw Invalid("Give the token a 'name' that says what uses it, e.g. \"nightly snapshot cron\".")
            : trimmed.Length > MaxNameLength || trimmed.Any(char.IsControl)
                ? throw Invalid($"A token's 'name' must be at most {MaxNameLength} characters without control characters.")
                : trimmed;
    }

    /// <summary>When a token created at <paramref name="now"/> expires: left out is 90 days, 0 is never.</summary>
    public static DateTimeOffset? ExpiresAt(DateTimeOffset now, int? expiresInDays) => expiresInDays switch
    {
        null => now.AddDays(DefaultExpiryDays),
        0 => null,
        >= 1 and <= MaxExpiryDays => now.AddDays(expiresInDays.Value),
        _ => throw Invalid(ExpiryRule),
    };

    /// <summary>Why a stored token does not count at <paramref name="now"/>, or null when it does.</summary>
    public static TokenRejection? Check(ApiToken token, DateTimeOffset now) =>
        token.RevokedAt is { } revoked
            ? new TokenRejection(TokenRejectionKind.Revoked, $"This API token ('{token.Name}', {token.Prefix}…) was revoked on {Format(revoked)}; create a new one.")
            : token.ExpiresAt is { } expires && expires <= now
                ? new TokenRejection(TokenRejectionKind.Expired, $"This API token ('{token.Name}', {token.Prefix}…) expired on {Format(expires)}; create a new one.")
                : null;

    /// <summary>Whether a use at <paramref name="now"/> should be written, given the last recorded one.</summary>
    public static bool ShouldRecordUse(ApiToken token, DateTimeOffset now) =>
        token.LastUsedAt is not { } last || now - last >= UseRecordInterval;

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    private static PortalRefusedException Invalid(string message) => new(new Refusal(RefusalCode.InvalidInput, message));
}

public enum TokenRejectionKind
{
    Malformed,
    Unknown,
    Expired,
    Revoked,
}

/// <summary>Why a presented token was refused, with the message the caller gets.</summary>
public sealed record TokenRejection(TokenRejectionKind Kind, string Message);
