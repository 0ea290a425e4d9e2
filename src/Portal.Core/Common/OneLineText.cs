namespace Portal.Core.Common;

/// <summary>Text the feed and the lists show as it is: one line, no tabs or bidirectional overrides that could disguise it.</summary>
public static class OneLineText
{
    /// <summary>A refusal naming <paramref name="what"/> (e.g. "The activity 'text'") when the text is empty, too long or not one plain line.</summary>
    public static Refusal? Check(string what, string? text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Length > maxLength)
        {
            return new Refusal(RefusalCode.InvalidInput, $"{what} must have 1 to {maxLength} characters.");
        }

        return text.Any(c => char.IsControl(c) || IsBidiControl(c))
            ? new Refusal(RefusalCode.InvalidInput, $"{what} must be one line without control characters (line breaks, tabs, direction overrides).")
            : null;
    }

    private static bool IsBidiControl(char c) => c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
