namespace Portal.Contracts;

/// <summary>An open alert on an environment: what happened, when, and the activity it is about (none for a missed schedule).</summary>
public sealed record AlertDto(string Id, string Environment, string Event, string Message, DateTimeOffset RaisedAt, string? ActivityId);

/// <summary>One alert sent (or being sent) to one webhook or e-mail address of the project, and how its last try went.</summary>
public sealed record AlertDeliveryDto(
    string Id, string AlertId, string Channel, string Target, string? ActivityId, string Event, string Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt, int? LastStatusCode, string? LastError);
