namespace Portal.Core.Alerts;

public enum DeliveryStatus
{
    /// <summary>Not delivered yet: sent at <see cref="AlertDelivery.NextAttemptAt"/>.</summary>
    Pending,
    Delivered,

    /// <summary>Every attempt failed; <see cref="AlertDelivery.LastError"/> says how the last one did.</summary>
    Failed,
}

public enum DeliveryChannel
{
    /// <summary>A signed JSON POST to one of the project's webhooks.</summary>
    Webhook,

    /// <summary>An e-mail to one of the project's alert recipients, through the configured SMTP server.</summary>
    Email,
}

/// <summary>One alert on its way to one webhook or e-mail address, with the outcome of each try kept for the project's admins to see.</summary>
public sealed class AlertDelivery
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public Guid AlertId { get; init; }
    public required string ProjectId { get; init; }
    public DeliveryChannel Channel { get; init; }

    /// <summary>The webhook's URL or the e-mail address.</summary>
    public required string Target { get; init; }

    /// <summary>The activity the alert is about; null for a missed schedule.</summary>
    public string? ActivityId { get; init; }

    /// <summary>The alert's event name: <c>activity.failed</c>, <c>activity.cancelled</c>, <c>schedule.missed</c> or <c>activity.overrun</c>.</summary>
    public required string Event { get; init; }

    /// <summary>The JSON body, fixed when the alert is raised so every try sends (and signs) the same bytes.</summary>
    public required string Payload { get; init; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>The receiver's HTTP status, or the SMTP server's reply code.</summary>
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
}
