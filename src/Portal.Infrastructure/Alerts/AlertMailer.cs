namespace Portal.Infrastructure.Alerts;

using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Portal.Core.Alerts;
using Portal.Core.Common;

/// <summary>
/// Sends one alert e-mail delivery through the configured SMTP server (<c>Alerts:Smtp</c>): connect, sign in when a user name is
/// set, send, disconnect — one try per call, bounded by <c>Alerts:Timeout</c>. The outcome is what <see cref="AlertDispatcher"/>
/// records: the server's reply code where it gave one, and a plain sentence for what went wrong, never the password.
/// </summary>
internal sealed class AlertMailer(IOptions<AlertOptions> options, TimeProvider time)
{
    public const string EventHeader = "X-Portal-Event";
    public const string DeliveryHeader = "X-Portal-Delivery";

    /// <summary>The reply code recorded for a message the server took (RFC 5321's "250 OK").</summary>
    public const int Accepted = (int)SmtpStatusCode.Ok;

    /// <summary>The subject is "[Portal] " and the alert's message, cut to this many characters of it.</summary>
    public const int SubjectLength = 120;

    private const int ErrorLength = 500;

    /// <summary>One try: the reply code, and what went wrong (null when the server accepted the message).</summary>
    public async Task<(int? Status, string? Error)> SendAsync(AlertDelivery delivery, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        var limit = options.Value.Timeout;
        using var message = Compose(delivery, smtp, time.GetUtcNow());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        using var client = new SmtpClient { Timeout = (int)limit.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host!.Trim(), smtp.Port, smtp.Security, timeout.Token);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                if (!client.IsSecure && smtp.Security != SecureSocketOptions.None)
                {
                    return (null, $"the SMTP server at {smtp.Host}:{smtp.Port} offered no TLS, so the password was not sent "
                        + $"(set {SmtpOptions.Section}:Security to None to sign in without TLS)");
                }

                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", timeout.Token);
            }

            await client.SendAsync(message, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no answer from the SMTP server at {smtp.Host}:{smtp.Port} within {limit.TotalSeconds:0} s");
        }
        catch (Exception ex) when (Reason(ex, smtp) is { } reason)
        {
            return (ex is SmtpCommandException command ? (int)command.StatusCode : null, TextCut.Fit(reason, ErrorLength));
        }

        // The message is the server's now: a failed goodbye must not send it a second time.
        await QuitAsync(client);
        return (Accepted, null);
    }

    /// <summary>The e-mail for a delivery, built from the payload fixed when the alert was raised, so every try sends the same mail.</summary>
    public static MimeMessage Compose(AlertDelivery delivery, SmtpOptions smtp, DateTimeOffset now)
    {
        var payload = JsonDocument.Parse(delivery.Payload).RootElement;
        var alert = payload.GetProperty("alert");
        var text = Text(alert, "message") ?? delivery.Event;
        var from = MailAddresses.Parse(smtp.From);
        var message = new MimeMessage
        {
            Subject = "[Portal] " + TextCut.Fit(OneLine(text), SubjectLength),
            Date = now,
            // One id per delivery: a retry after a lost answer is the same message to the recipient's mail client.
            MessageId = $"{delivery.Id:N}.portal@{from.Domain}",
            Body = new TextPart("plain") { Text = Body(delivery, payload, alert, text) },
        };
        message.From.Add(from);
        message.To.Add(MailAddresses.Parse(delivery.Target));
        message.Headers.Add(EventHeader, delivery.Event);
        message.Headers.Add(DeliveryHeader, delivery.Id.ToString("N"));
        // RFC 3834: sent by a machine, so out-of-office replies stay away.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }

    private static string Body(AlertDelivery delivery, JsonElement payload, JsonElement alert, string text)
    {
        var body = new StringBuilder();
        body.AppendLine(text).AppendLine();
        Line(body, "Project", Text(payload, "project"));
        Line(body, "Environment", Text(payload, "environment"));
        Line(body, "Event", delivery.Event);
        Line(body, "Raised at", alert.TryGetProperty("raised_at", out var raised) && raised.TryGetDateTimeOffset(out var at)
            ? at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : null);
        if (payload.TryGetProperty("activity", out var activity) && activity.ValueKind == JsonValueKind.Object)
        {
            body.AppendLine();
            Line(body, "Activity", Text(activity, "id"));
            Line(body, "Type", Text(activity, "type"));
            Line(body, "Text", Text(activity, "text"));
            Line(body, "Result", Text(activity, "result"));
            Line(body, "Reason", Text(activity, "reason"));
        }

        body.AppendLine().Append(CultureInfo.InvariantCulture, $"Sent by Portal to {delivery.Target} as an alert recipient of this project (delivery {delivery.Id:N}).").AppendLine();
        return body.ToString();
    }

    private static void Line(StringBuilder body, string label, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            body.Append(CultureInfo.InvariantCulture, $"{label + ":",-13}{value}").AppendLine();
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>What went wrong, as a sentence for the project's admins; null only for a cancelled run (Portal is stopping), which propagates.</summary>
    private static string? Reason(Exception exception, SmtpOptions smtp) => exception switch
    {
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } ex => $"the SMTP server refused the recipient: {(int)ex.StatusCode} {OneLine(ex.Message)}",
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } ex => $"the SMTP server refused the sender {smtp.From}: {(int)ex.StatusCode} {OneLine(ex.Message)}",
        SmtpCommandException ex => $"the SMTP server answered {(int)ex.StatusCode} {OneLine(ex.Message)}",
        SmtpProtocolException ex => $"the SMTP server at {smtp.Host}:{smtp.Port} broke off the conversation: {OneLine(ex.Message)}",
        AuthenticationException ex => $"the SMTP server did not accept the user name {smtp.UserName} and its password: {OneLine(ex.Message)}",
        SslHandshakeException => $"TLS with the SMTP server at {smtp.Host}:{smtp.Port} failed (its certificate is not trusted, or it does not speak TLS on this port)",
        NotSupportedException ex => $"the SMTP server at {smtp.Host}:{smtp.Port} cannot do what the settings ask: {OneLine(ex.Message)}",
        SocketException ex => $"could not reach the SMTP server at {smtp.Host}:{smtp.Port}: {OneLine(ex.Message)}",
        IOException ex => $"the connection to the SMTP server at {smtp.Host}:{smtp.Port} broke: {OneLine(ex.Message)}",
        OperationCanceledException => null,
        // Anything else still ends as a recorded try (retried, then failed), never as a delivery stuck pending.
        _ => $"sending through the SMTP server at {smtp.Host}:{smtp.Port} failed ({exception.GetType().Name}): {OneLine(exception.Message)}",
    };

    private static async Task QuitAsync(SmtpClient client)
    {
        try
        {
            using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.DisconnectAsync(true, quit.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
        {
            // Already delivered: the server closes the connection itself.
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
