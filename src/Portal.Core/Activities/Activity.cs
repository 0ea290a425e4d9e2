namespace Portal.Core.Activities;

public enum ActivityState
{
    Pending,
    InProgress,
    Complete,
    Cancelled,
}

public enum ActivityResult
{
    Success,
    Failure,
}

/// <summary>A queued unit of work on an environment, with progress, log and result.</summary>
public sealed class Activity
{
    /// <summary>Insertion order: first in, first out within an environment, and the keyset tie-breaker.</summary>
    public long Sequence { get; init; }
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public Guid EnvironmentId { get; init; }
    public required string EnvironmentName { get; init; }
    public required string Type { get; init; }
    public ActivityState State { get; set; } = ActivityState.Pending;
    public ActivityResult? Result { get; set; }
    public int CompletionPercent { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Append-only text.</summary>
    public string Log { get; set; } = "";

    /// <summary>The snapshot this activity creates or restores, if any.</summary>
    public string? SnapshotId { get; init; }

    /// <summary>Extra parameters as JSON (live, safety snapshot, restore target).</summary>
    public string? Payload { get; init; }

    /// <summary>What happened, in words: "Alice created a snapshot of develop-branch".</summary>
    public required string Text { get; set; }
    public required string InitiatedBy { get; init; }

    /// <summary>Why it failed or was cancelled.</summary>
    public string? Reason { get; set; }

    /// <summary>How many things the activity could not do exactly (a socket left out, a file that changed while read); each is in the log.</summary>
    public int Warnings { get; set; }
}
