namespace Portal.Core.Common;

using System.Security.Cryptography;

/// <summary>Short random lowercase ids, like the Platform.sh ones users copy from the console.</summary>
public static class PortalIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    public const int Length = 13;

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(Length, bytes.ToArray(), static (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[source[i] & 31];
            }
        });
    }

    /// <summary>An id of the same form derived from <paramref name="seed"/>: the same seed always gives the same id.</summary>
    public static string Derive(string seed)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed));
        return string.Create(Length, hash, static (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[source[i] & 31];
            }
        });
    }

    public static bool IsWellFormed(string? id) =>
        id is { Length: >= 1 and <= 64 } && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <summary>
    /// Whether a name from outside (a project id, an environment name, a user id) could be stored at all: not empty, no
    /// longer than its column, no control character. Anything else cannot exist, so it is not looked up (PostgreSQL
    /// refuses a NUL character outright) and answers as not found.
    /// </summary>
    public static bool IsPlausibleName(string? value, int maxLength) =>
        value is { Length: >= 1 } && value.Length <= maxLength && !value.Any(char.IsControl);
}
