namespace Portal.Infrastructure.Alerts;

using MailKit.Security;
using Microsoft.Extensions.Options;
using Portal.Core.Common;

/// <summary>
/// When alerts are raised and how they reach the projects' webhooks (declared per project under <c>Projects:N:Webhooks</c>)
/// and, when <see cref="Smtp"/> names a server, their e-mail recipients (<c>Projects:N:AlertEmails</c>).
/// </summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Pending deliveries are looked for this often.</summary>
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Tries per delivery before it is marked failed.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait after the first failed try; it doubles after each one, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one try may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Activities that ended this long ago or less raise alerts: a Portal that was down catches up on them, no older.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>An activity past twice its usual duration raises an alert only once it is also this much over it: seconds are no news.</summary>
    public TimeSpan OverrunMinimum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The SMTP server alert e-mail goes through; e-mail is off while its host is not set.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>The wait before try number <paramref name="attempt"/> + 1, after <paramref name="attempt"/> failed ones.</summary>
    public TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, InitialDelay.Ticks * (1L << Math.Min(attempt - 1, 30))));
}

/// <summary>The SMTP server alert e-mail is sent through (<c>Alerts:Smtp</c>).</summary>
public sealed class SmtpOptions
{
    public const string Section = AlertOptions.Section + ":" + nameof(AlertOptions.Smtp);

    /// <summary>The server's host name or IP address; e-mail is sent only when it is set.</summary>
    public string? Host { get; set; }

    /// <summary>587 (submission with STARTTLS) by default; 465 for TLS from the first byte.</summary>
    public int Port { get; set; } = 587;

    /// <summary>
    /// How the connection is secured: <c>Auto</c> (TLS from the first byte on port 465, else STARTTLS when the server offers it),
    /// <c>StartTls</c> (required), <c>SslOnConnect</c> or <c>None</c>.
    /// </summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    /// <summary>Signs in with <see cref="Password"/> when set; no sign-in when empty.</summary>
    public string? UserName { get; set; }

    /// <summary>Never shown or logged; belongs in an environment variable or a secrets store, not in appsettings.</summary>
    public string? Password { get; set; }

    /// <summary>The sender of every alert e-mail, e.g. <c>Portal &lt;portal@shop.example&gt;</c>.</summary>
    public string? From { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

internal sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        var problems = new SettingProblems();
        const string At = AlertOptions.Section + ":";
        problems.Between(At + nameof(options.DispatchInterval), options.DispatchInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        problems.Range(At + nameof(options.MaxAttempts), options.MaxAttempts, 1, 100);
        problems.Between(At + nameof(options.InitialDelay), options.InitialDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        problems.Between(At + nameof(options.MaxDelay), options.MaxDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1));
        problems.Between(At + nameof(options.Timeout), options.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        problems.Between(At + nameof(options.OverrunMinimum), options.OverrunMinimum, TimeSpan.Zero, TimeSpan.FromDays(1));
        problems.Between(At + nameof(options.Lookback), options.Lookback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        CheckSmtp(problems, options.Smtp);
        return problems.Result;
    }

    /// <summary>Only once a host turns e-mail on: then the rest must be usable, so a typo shows at start rather than as failed deliveries.</summary>
    private static void CheckSmtp(SettingProblems problems, SmtpOptions smtp)
    {
        if (!smtp.Enabled)
        {
            return;
        }

        const string At = SmtpOptions.Section + ":";
        if (Uri.CheckHostName(smtp.Host!.Trim()) == UriHostNameType.Unknown)
        {
            problems.Add(At + nameof(smtp.Host), $"must be a host name or IP address, without scheme or port (got \"{smtp.Host}\")");
        }

        problems.Range(At + nameof(smtp.Port), smtp.Port, 1, 65535);
        problems.Defined(At + nameof(smtp.Security), smtp.Security);
        problems.Required(At + nameof(smtp.From), smtp.From, "the sender of alert e-mail, e.g. Portal <portal@shop.example>, once Alerts:Smtp:Host is set");
        if (!string.IsNullOrWhiteSpace(smtp.From) && !MailAddresses.TryParse(smtp.From, out _))
        {
            problems.Add(At + nameof(smtp.From), $"must be an e-mail address such as portal@shop.example (got \"{smtp.From}\")");
        }

        if (string.IsNullOrEmpty(smtp.UserName) && !string.IsNullOrEmpty(smtp.Password))
        {
            // The password itself is never part of a message.
            problems.Add(At + nameof(smtp.Password), $"is set but {At}{nameof(smtp.UserName)} is not: set the user name to sign in, or remove the password");
        }
    }
}
