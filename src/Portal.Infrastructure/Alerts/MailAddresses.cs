namespace Portal.Infrastructure.Alerts;

using System.Diagnostics.CodeAnalysis;
using MimeKit;

/// <summary>What counts as an e-mail address in the settings (the sender and the projects' alert recipients): one mailbox with a domain.</summary>
internal static class MailAddresses
{
    /// <summary>The longest address a delivery keeps as its target; RFC 5321 allows no longer path.</summary>
    public const int MaxLength = 256;

    private static readonly ParserOptions Strict = new() { AllowAddressesWithoutDomain = false };

    /// <summary>True for <c>ops@shop.example</c> or <c>Ops &lt;ops@shop.example&gt;</c>; false for a name alone, a list or a group.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out MailboxAddress? mailbox)
    {
        mailbox = null;
        return !string.IsNullOrWhiteSpace(value) && value.Length <= MaxLength
            && MailboxAddress.TryParse(Strict, value, out mailbox) && mailbox.Address.Contains('@', StringComparison.Ordinal);
    }

    /// <summary>An address the settings validation let through (the sender, a recipient); throws for one it would have refused.</summary>
    public static MailboxAddress Parse(string? value) =>
        TryParse(value, out var mailbox) ? mailbox : throw new FormatException($"'{value}' is not an e-mail address; the settings validation should have refused it.");
}
