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

/// <summary>
/// Portal is stopping and the activity left a journal to be finished at the next start: the worker leaves it in
/// progress instead of completing it.
/// </summary>
public sealed class ActivitySuspendedException(string message) : Exception(message);
