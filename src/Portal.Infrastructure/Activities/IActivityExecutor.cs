namespace Portal.Infrastructure.Activities;

using Portal.Core.Activities;

/// <summary>Runs one type of activity. Throwing fails the activity with the exception's message as its reason.</summary>
public interface IActivityExecutor
{
    string Type { get; }

    Task ExecuteAsync(Activity activity, ActivityRun run, CancellationToken cancellationToken);
}

/// <summary>A failure whose message is meant for users (no stack trace, no internals).</summary>
public sealed class ActivityFailedException(string message) : Exception(message);
