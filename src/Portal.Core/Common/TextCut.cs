namespace Portal.Core.Common;

/// <summary>Shortens text to fit a column or a message, marking the cut with an ellipsis.</summary>
public static class TextCut
{
    /// <summary>
    /// <paramref name="text"/> itself when it fits in <paramref name="length"/> characters, otherwise its start and "…" in
    /// that many. Never between the two halves of a surrogate pair: a lone half is not valid UTF-8, which PostgreSQL refuses.
    /// </summary>
    public static string Fit(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        var keep = length - 1;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), "…");
    }
}
