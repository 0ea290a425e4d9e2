namespace Portal.Api.Tests;

using System.Net;
using System.Text.RegularExpressions;

/// <summary>How a page answers what a user may not see: a real 404 on the first (prerendered) request, with the page's own message.</summary>
internal static class NotFoundPages
{
    /// <summary>The page as first rendered (before any circuit), after checking it is a 404 that shows <paramref name="message"/> (HTML-encoded).</summary>
    public static async Task<string> GetAsync(HttpClient client, string path, string message, CancellationToken ct)
    {
        using var response = await client.GetAsync(path, ct);
        var page = await response.Content.ReadAsStringAsync(ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(message.Replace("'", "&#x27;", StringComparison.Ordinal), page, StringComparison.Ordinal);
        return page;
    }

    /// <summary>What a reader sees of a page: its text without tags and Blazor's markers (whose ids and nonces differ per request).</summary>
    public static string VisibleText(string html) => Regex.Replace(html, "<!--.*?-->|<[^>]*>", "", RegexOptions.Singleline);
}
