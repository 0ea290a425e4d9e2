namespace Portal.Web.Api;

using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Portal.Contracts;
using Portal.Core.Activities;

/// <summary>
/// Follows one activity as server-sent events: its log lines so far, then progress and new lines as the worker publishes
/// them (the same in-process updates the feed UI shows live, no polling), and one last <c>result</c> with the finished
/// activity, after which the stream ends.
/// </summary>
internal sealed class ActivityEventStream(IActivityEvents events, IRunningActivityLogs running, TimeProvider time)
{
    /// <summary>
    /// The events of <paramref name="activityId"/>; <paramref name="read"/> re-reads it (access already checked). The
    /// subscription is taken before the first read, so no line falls between what was read and what is published; it is
    /// given back when the stream ends or the client goes away.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> FollowAsync(
        string activityId, Func<CancellationToken, Task<Activity>> read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = Channel.CreateUnbounded<ActivityUpdate>(new UnboundedChannelOptions { SingleReader = true });
        using var subscription = events.Subscribe(update =>
        {
            if (update.ActivityId == activityId || update.IsResync)
            {
                updates.Writer.TryWrite(update);
            }
        });

        var activity = await read(cancellationToken);
        var lines = running.LinesSoFar(activityId) ?? Lines(activity.Log);
        foreach (var line in lines)
        {
            yield return Log(line);
        }

        var sent = lines.Count;
        if (IsFinished(activity.State))
        {
            yield return Result(activity);
            yield break;
        }

        var progress = new ActivityProgressEvent(ApiMapping.ToApi(activity.State), activity.CompletionPercent);
        yield return Item(ActivityEventNames.Progress, progress);
        await foreach (var update in updates.Reader.ReadAllAsync(cancellationToken))
        {
            if (update.IsResync || update.LogIndex > sent)
            {
                // Updates were missed (another node's, while the connection bringing them was down, or lines it sent before this
                // stream read the database): the stored log fills the gap, once that node has written it.
                var needed = update.IsResync ? sent : update.LogIndex;
                var stored = await ReadThroughAsync(read, needed, cancellationToken);
                var storedLines = Lines(stored.Log);
                foreach (var missed in storedLines.Skip(sent).Take(update.IsResync ? int.MaxValue : update.LogIndex - sent))
                {
                    yield return Log(missed);
                }

                sent = update.IsResync ? Math.Max(sent, storedLines.Count) : update.LogIndex;
                if (update.IsResync)
                {
                    if (IsFinished(stored.State))
                    {
                        yield return Result(stored);
                        yield break;
                    }

                    var resynced = new ActivityProgressEvent(ApiMapping.ToApi(stored.State), stored.CompletionPercent);
                    if (resynced != progress)
                    {
                        progress = resynced;
                        yield return Item(ActivityEventNames.Progress, progress);
                    }

                    continue;
                }
            }

            if (update.LogLine is { } line && update.LogIndex >= sent)
            {
                sent = update.LogIndex + 1;
                yield return Log(line);
            }

            if (IsFinished(update.State))
            {
                // The worker records the end before it publishes it: the stored log and result are final.
                var finished = await read(cancellationToken);
                foreach (var rest in Lines(finished.Log).Skip(sent))
                {
                    yield return Log(rest);
                }

                yield return Result(finished);
                yield break;
            }

            var now = new ActivityProgressEvent(ApiMapping.ToApi(update.State), update.CompletionPercent);
            if (now != progress)
            {
                progress = now;
                yield return Item(ActivityEventNames.Progress, progress);
            }
        }
    }

    /// <summary>The stored activity once it has at least <paramref name="lines"/> log lines or has finished; the node running it writes every few hundred ms, so this gives up after a few seconds.</summary>
    private async Task<Activity> ReadThroughAsync(Func<CancellationToken, Task<Activity>> read, int lines, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = await read(cancellationToken);
            if (attempt >= 50 || IsFinished(stored.State) || Lines(stored.Log).Count >= lines)
            {
                return stored;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
    }

    private static bool IsFinished(ActivityState state) => state is ActivityState.Complete or ActivityState.Cancelled;

    private static List<string> Lines(string log) => [.. log.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static SseItem<string> Log(string line) => Item(ActivityEventNames.Log, new ActivityLogEvent(line));

    private SseItem<string> Result(Activity activity) =>
        Item(ActivityEventNames.Result, ApiMapping.ToDto(activity, time.GetUtcNow(), withLog: true));

    private static SseItem<string> Item<T>(string type, T data) => new(JsonSerializer.Serialize(data, ApiJson.Options), type);
}
