namespace Portal.Engine;

using System.Globalization;
using System.Text;
using System.Text.Unicode;

/// <summary>
/// Linux names are bytes, not text: these helpers keep them as bytes, store them in a manifest as a JSON string when
/// they are valid UTF-8 (else as base64 bytes) and show them in messages with every odd byte escaped.
/// </summary>
internal static class FileNames
{
    public const byte Separator = (byte)'/';

    /// <summary>The manifest's text for a name and, only when that text cannot hold it exactly, its bytes.</summary>
    public static (string Text, byte[]? Bytes) ToManifest(byte[] name) =>
        Utf8.IsValid(name) ? (Encoding.UTF8.GetString(name), null) : (Display(name), name);

    public static byte[] FromManifest(string text, byte[]? bytes) => bytes ?? Encoding.UTF8.GetBytes(text);

    /// <summary>A lossless dictionary key for a byte name (ordinal string comparison equals byte comparison).</summary>
    public static string Key(ReadOnlySpan<byte> name) => Encoding.Latin1.GetString(name);

    public static byte[] Join(ReadOnlySpan<byte> folder, ReadOnlySpan<byte> name)
    {
        if (folder.IsEmpty)
        {
            return name.ToArray();
        }

        var joined = new byte[folder.Length + 1 + name.Length];
        folder.CopyTo(joined);
        joined[folder.Length] = Separator;
        name.CopyTo(joined.AsSpan(folder.Length + 1));
        return joined;
    }

    /// <summary>Index of the last '/', or -1 for a name directly in the root.</summary>
    public static int LastSeparator(ReadOnlySpan<byte> path) => path.LastIndexOf(Separator);

    /// <summary>Readable text for messages and logs: valid UTF-8 as is, control characters, backslashes and invalid bytes escaped.</summary>
    public static string Display(ReadOnlySpan<byte> name)
    {
        var text = new StringBuilder(name.Length);
        while (!name.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(name, out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{name[0]:x2}");
                name = name[1..];
                continue;
            }

            text.Append(rune.Value switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                < 0x20 or 0x7F => string.Create(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}"),
                _ => rune.ToString(),
            });
            name = name[consumed..];
        }

        return text.ToString();
    }
}
