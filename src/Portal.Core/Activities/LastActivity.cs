namespace Portal.Core.Activities;

/// <summary>An environment's newest activity as the overviews show it: no log, no payload.</summary>
public sealed record LastActivity(
    Guid EnvironmentId,
    string Id,
    string Type,
    ActivityState State,
    ActivityResult? Result,
    int CompletionPercent,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    string Text)
{
    /// <summary>Queued or running: the environment has work under way.</summary>
    public bool IsRunning => State is ActivityState.Pending or ActivityState.InProgress;

    public bool Failed => State == ActivityState.Complete && Result == ActivityResult.Failure;

    /// <summary>The same activity after a live update: its state, result and progress follow it, the rest stays.</summary>
    public LastActivity With(ActivityUpdate update) =>
        this with { State = update.State, Result = update.Result, CompletionPercent = update.CompletionPercent };
}
