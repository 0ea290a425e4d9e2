namespace Portal.Infrastructure.Alerts;

using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Alerts;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Raises alerts (<see cref="AlertRaiser"/>) and sends each pending delivery: to a webhook, JSON signed with HMAC-SHA256 of the
/// body under the webhook's secret (header <c>X-Portal-Signature-256: sha256=…</c>); to an e-mail recipient, a plain-text mail
/// through the SMTP server (<see cref="AlertMailer"/>); retried with doubling waits, each try's
/// outcome kept on its <see cref="AlertDelivery"/>. Deliveries are recorded with their alert before anything is sent, so a
/// restart or a second node sends what is pending and never raises it twice. One node raises and sends at a time.
/// </summary>
internal sealed class AlertDispatcher(
    IDbContextFactory<PortalDbContext> contexts,
    AlertRaiser raiser,
    IHttpClientFactory clients,
    AlertMailer mailer,
    IOptions<ConfiguredProjects> projects,
    IOptions<AlertOptions> options,
    SingletonJobs singleton,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<AlertDispatcher> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    public const string WebhookClient = "webhooks";
    public const string SignatureHeader = "X-Portal-Signature-256";

    protected override TimeSpan Interval => options.Value.DispatchInterval;

    protected override Task RunOnceAsync(CancellationToken stoppingToken) =>
        singleton.TryRunAsync(nameof(AlertDispatcher), async ct => { await raiser.RaiseAsync(ct); await SendDueAsync(ct); }, stoppingToken);

    /// <summary>The body's signature as the header carries it: <c>sha256=</c> and the lowercase hex HMAC-SHA256 under the secret.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Sends each delivery whose time has come, once; returns how many were tried.</summary>
    internal async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        List<AlertDelivery> due;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // In the query (its index is status, next attempt): deliveries waiting out a retry delay are not read every few seconds.
            due = await db.AlertDeliveries.AsNoTracking().Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
                .OrderBy(d => d.CreatedAt).ToListAsync(cancellationToken);
        }

        foreach (var delivery in due)
        {
            await TryAsync(delivery, cancellationToken);
        }

        return due.Count;
    }

    private async Task TryAsync(AlertDelivery delivery, CancellationToken cancellationToken)
    {
        var (status, error, gone) = delivery.Channel == DeliveryChannel.Email ? await MailAsync(delivery, cancellationToken) : await HookAsync(delivery, cancellationToken);
        var now = Time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        var delivered = error is null;
        var state = delivered ? DeliveryStatus.Delivered : attempts >= options.Value.MaxAttempts || gone ? DeliveryStatus.Failed : DeliveryStatus.Pending;
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.AlertDeliveries.Where(d => d.Id == delivery.Id).ExecuteUpdateAsync(set => set
            .SetProperty(d => d.Attempts, attempts)
            .SetProperty(d => d.Status, state)
            .SetProperty(d => d.LastStatusCode, status)
            .SetProperty(d => d.LastError, error)
            .SetProperty(d => d.DeliveredAt, delivered ? now : null)
            .SetProperty(d => d.NextAttemptAt, delivered ? now : now + options.Value.DelayAfter(attempts)), CancellationToken.None);
        if (state == DeliveryStatus.Failed)
        {
            logger.LogWarning("The {Event} alert {Alert} could not be delivered to a {Channel} of {Project} after {Attempts} tries: {Error}",
                delivery.Event, delivery.AlertId, delivery.Channel, delivery.ProjectId, attempts, error);
        }
    }

    /// <summary>One try at a webhook; <c>Gone</c> when it is no longer declared, so no later try could succeed.</summary>
    private async Task<(int? Status, string? Error, bool Gone)> HookAsync(AlertDelivery delivery, CancellationToken cancellationToken)
    {
        var secret = projects.Value.Items.FirstOrDefault(p => p.Id == delivery.ProjectId)?.Webhooks.FirstOrDefault(w => w.Url == delivery.Target)?.Secret;
        if (secret is null)
        {
            return (null, "the webhook is no longer declared", true);
        }

        var (status, error) = await PostAsync(delivery, secret, cancellationToken);
        return (status, error, false);
    }

    /// <summary>One try at an e-mail recipient; <c>Gone</c> when e-mail was turned off or the address is no longer declared.</summary>
    private async Task<(int? Status, string? Error, bool Gone)> MailAsync(AlertDelivery delivery, CancellationToken cancellationToken)
    {
        if (!options.Value.Smtp.Enabled)
        {
            return (null, $"e-mail is off: {SmtpOptions.Section}:Host is no longer set", true);
        }

        if (projects.Value.Items.FirstOrDefault(p => p.Id == delivery.ProjectId)?.AlertEmails.Contains(delivery.Target) != true)
        {
            return (null, "the address is no longer among the project's alert e-mails", true);
        }

        var (status, error) = await mailer.SendAsync(delivery, cancellationToken);
        return (status, error, false);
    }

    /// <summary>One try: the status code, and what went wrong (null when the receiver answered 2xx).</summary>
    private async Task<(int? Status, string? Error)> PostAsync(AlertDelivery delivery, string secret, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Target) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Sign(secret, body));
        request.Headers.Add("X-Portal-Event", delivery.Event);
        request.Headers.Add("X-Portal-Delivery", delivery.Id.ToString("N"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using var response = await clients.CreateClient(WebhookClient).SendAsync(request, timeout.Token);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null) : (code, $"the receiver answered {code} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no answer within {options.Value.Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return (null, $"could not reach the receiver: {ex.Message}");
        }
    }
}
