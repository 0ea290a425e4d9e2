namespace Portal.Web.Identity;

/// <summary>Reduces a return URL to a local path, so sign-in and sign-out can never redirect to another site.</summary>
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

        return returnUrl.Any(c => char.IsControl(c)) ? "/" : returnUrl;
    }
}
