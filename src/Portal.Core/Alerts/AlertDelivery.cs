namespace Portal.Core.Alerts;

public enum DeliveryStatus
{
    /// <summary>Not delivered yet: sent at <see cref="WebhookDelivery.NextAttemptAt"/>.</summary>
    Pending,
    Delivered,

    /// <summary>Every attempt failed; <see cref="WebhookDelivery.LastError"/> says how the last one did.</summary>
    Failed,
}

/// <summary>One alert on its way to one of the project's webhooks, with the outcome of each try kept for its admins to see.</summary>
public sealed class WebhookDelivery
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public required string ProjectId { get; init; }
    public required string WebhookUrl { get; init; }
    public required string ActivityId { get; init; }

    /// <summary><c>activity.failed</c> or <c>activity.cancelled</c>.</summary>
    public required string Event { get; init; }

    /// <summary>The JSON body, fixed when the alert is raised so every try sends (and signs) the same bytes.</summary>
    public required string Payload { get; init; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
}
