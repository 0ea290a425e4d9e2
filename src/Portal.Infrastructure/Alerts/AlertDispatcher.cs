namespace Portal.Infrastructure.Alerts;

using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Contracts;
using Portal.Core.Activities;
using Portal.Core.Alerts;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Sends the projects' webhooks an alert for each activity that failed or was cancelled: JSON signed with HMAC-SHA256 of the
/// body under the webhook's secret (header <c>X-Portal-Signature-256: sha256=…</c>), retried with doubling waits, each try's
/// outcome kept on its <see cref="WebhookDelivery"/>. The alert is recorded before it is sent, once per activity and webhook
/// (a unique index), so a restart or a second node sends what is pending and never raises it twice. One node sends at a time.
/// </summary>
internal sealed class WebhookDispatcher(
    IDbContextFactory<PortalDbContext> contexts,
    IHttpClientFactory clients,
    IOptions<ConfiguredProjects> projects,
    IOptions<AlertOptions> options,
    SingletonJobs singleton,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    public const string ClientName = "webhooks";
    public const string SignatureHeader = "X-Portal-Signature-256";

    protected override TimeSpan Interval => options.Value.DispatchInterval;

    protected override Task RunOnceAsync(CancellationToken stoppingToken) =>
        singleton.TryRunAsync(nameof(WebhookDispatcher), async ct => { await RaiseAsync(ct); await SendDueAsync(ct); }, stoppingToken);

    /// <summary>The body's signature as the header carries it: <c>sha256=</c> and the lowercase hex HMAC-SHA256 under the secret.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Records a delivery for each webhook of each failed or cancelled activity that has none yet; returns how many.</summary>
    internal async Task<int> RaiseAsync(CancellationToken cancellationToken)
    {
        var hooked = projects.Value.Items.Where(p => p.Webhooks.Count > 0).ToDictionary(p => p.Id, StringComparer.Ordinal);
        if (hooked.Count == 0)
        {
            return 0;
        }

        var now = Time.GetUtcNow();
        var since = now - options.Value.Lookback;
        var ids = hooked.Keys.ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Compared in memory: SQLite stores DateTimeOffset as text, and the activities that ended badly in a day are few.
        var ended = (await db.Activities.AsNoTracking()
                .Where(a => ids.Contains(a.ProjectId) && (a.State == ActivityState.Cancelled || (a.State == ActivityState.Complete && a.Result == ActivityResult.Failure)))
                .Where(a => !db.WebhookDeliveries.Any(d => d.ActivityId == a.Id))
                .ToListAsync(cancellationToken))
            .Where(a => a.CompletedAt >= since)
            .ToList();
        var raised = 0;
        foreach (var activity in ended)
        {
            var @event = activity.State == ActivityState.Cancelled ? "activity.cancelled" : "activity.failed";
            var payload = JsonSerializer.Serialize(new WebhookPayload(@event, activity.ProjectId, activity.EnvironmentName, new WebhookActivity(
                activity.Id, activity.Type, activity.Text, @event == "activity.cancelled" ? "cancelled" : "failure", activity.Reason,
                activity.CreatedAt, activity.StartedAt, activity.CompletedAt)), ApiJson.Options);
            foreach (var hook in hooked[activity.ProjectId].Webhooks)
            {
                db.WebhookDeliveries.Add(new WebhookDelivery
                {
                    ProjectId = activity.ProjectId, WebhookUrl = hook.Url, ActivityId = activity.Id, Event = @event, Payload = payload,
                    CreatedAt = now, NextAttemptAt = now,
                });
                raised++;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return raised;
    }

    /// <summary>Sends each delivery whose time has come, once; returns how many were tried.</summary>
    internal async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        List<WebhookDelivery> due;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            due = (await db.WebhookDeliveries.AsNoTracking().Where(d => d.Status == DeliveryStatus.Pending).ToListAsync(cancellationToken))
                .Where(d => d.NextAttemptAt <= now).OrderBy(d => d.CreatedAt).ToList();
        }

        foreach (var delivery in due)
        {
            await TryAsync(delivery, cancellationToken);
        }

        return due.Count;
    }

    private async Task TryAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var secret = projects.Value.Items.FirstOrDefault(p => p.Id == delivery.ProjectId)?.Webhooks.FirstOrDefault(w => w.Url == delivery.WebhookUrl)?.Secret;
        int? status = null;
        string? error = null;
        if (secret is null)
        {
            error = "the webhook is no longer declared";
        }
        else
        {
            (status, error) = await PostAsync(delivery, secret, cancellationToken);
        }

        var now = Time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        var delivered = error is null;
        var state = delivered ? DeliveryStatus.Delivered : attempts >= options.Value.MaxAttempts || secret is null ? DeliveryStatus.Failed : DeliveryStatus.Pending;
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.WebhookDeliveries.Where(d => d.Id == delivery.Id).ExecuteUpdateAsync(set => set
            .SetProperty(d => d.Attempts, attempts)
            .SetProperty(d => d.Status, state)
            .SetProperty(d => d.LastStatusCode, status)
            .SetProperty(d => d.LastError, error)
            .SetProperty(d => d.DeliveredAt, delivered ? now : null)
            .SetProperty(d => d.NextAttemptAt, delivered ? now : now + options.Value.DelayAfter(attempts)), CancellationToken.None);
        if (state == DeliveryStatus.Failed)
        {
            logger.LogWarning("The {Event} alert for activity {Activity} could not be delivered to a webhook of {Project} after {Attempts} tries: {Error}",
                delivery.Event, delivery.ActivityId, delivery.ProjectId, attempts, error);
        }
    }

    /// <summary>One try: the status code, and what went wrong (null when the receiver answered 2xx).</summary>
    private async Task<(int? Status, string? Error)> PostAsync(WebhookDelivery delivery, string secret, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Sign(secret, body));
        request.Headers.Add("X-Portal-Event", delivery.Event);
        request.Headers.Add("X-Portal-Delivery", delivery.Id.ToString("N"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, timeout.Token);
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

    private sealed record WebhookPayload(string Event, string Project, string Environment, WebhookActivity Activity);

    private sealed record WebhookActivity(
        string Id, string Type, string Text, string Result, string? Reason, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt);
}
