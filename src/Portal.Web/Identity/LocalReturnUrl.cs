namespace Portal.Web.Identity;

using System.Text;

/// <summary>
/// Reduces a return URL to a local path, so sign-in and sign-out can never redirect to another site, and percent-encodes what a
/// Location header cannot carry (non-ASCII, spaces), so "/é" comes back as "/%C3%A9" instead of failing the response.
/// </summary>
public static class LocalReturnUrl
{
    public static string Sanitize(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl[0] != '/')
        {
            return "/";
        }

        // "//host" and "/\host" are protocol-relative: browsers treat them as another origin.
        if (returnUrl.Length > 1 && (returnUrl[1] == '/' || returnUrl[1] == '\\'))
        {
            return "/";
        }

        return returnUrl.Any(char.IsControl) ? "/" : Encode(returnUrl);
    }

    private static string Encode(string path)
    {
        if (path.All(c => c > ' ' && c < 0x7F))
        {
            return path;
        }

        // Lone surrogates become U+FFFD through UTF-8's replacement, so any string gives a valid header value.
        var builder = new StringBuilder(path.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            if (b > ' ' && b < 0x7F)
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
