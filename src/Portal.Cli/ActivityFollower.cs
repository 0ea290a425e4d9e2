namespace Portal.Cli;

using System.Net.ServerSentEvents;
using System.Text.Json;
using Portal.Contracts;

/// <summary>
/// Waits for an activity to finish by following its server-sent events (progress, log lines, then the result); against a
/// Portal without the events route it polls the activity instead. Returns the finished activity.
/// </summary>
internal sealed class ActivityFollower(PortalClient client, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public async Task<ActivityDto> FollowAsync(string projectId, ActivityDto activity, IActivityObserver observer, CancellationToken cancellationToken)
    {
        var path = $"api/projects/{Uri.EscapeDataString(projectId)}/activities/{Uri.EscapeDataString(activity.Id)}";
        observer.Progress(activity.State, activity.CompletionPercent);
        if (IsFinished(activity))
        {
            return activity;
        }

        await using var stream = await client.OpenEventsAsync(path + "/events", cancellationToken);
        return stream is null
            ? await PollAsync(path, observer, cancellationToken)
            : await ReadEventsAsync(stream, path, observer, cancellationToken);
    }

    public static bool IsFinished(ActivityDto activity) => activity.State is ActivityStates.Complete or ActivityStates.Cancelled;

    private static async Task<ActivityDto> ReadEventsAsync(Stream stream, string path, IActivityObserver observer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
            {
                switch (item.EventType)
                {
                    case ActivityEventNames.Progress when Read<ActivityProgressEvent>(item.Data) is { } progress:
                        observer.Progress(progress.State, progress.CompletionPercent);
                        break;
                    case ActivityEventNames.Log when Read<ActivityLogEvent>(item.Data) is { } log:
                        observer.Log(log.Line);
                        break;
                    case ActivityEventNames.Result when Read<ActivityDto>(item.Data) is { } result:
                        observer.Progress(result.State, result.CompletionPercent);
                        return result;
                }
            }
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"The connection to Portal broke while following {path}: {e.Message}");
        }

        throw new CliException(ExitCodes.Unreachable, $"Portal ended the events of {path} before the activity finished.");
    }

    private async Task<ActivityDto> PollAsync(string path, IActivityObserver observer, CancellationToken cancellationToken)
    {
        var linesSeen = 0;
        while (true)
        {
            await Task.Delay(PollInterval, time, cancellationToken);
            var activity = await client.GetAsync<ActivityDto>(path, cancellationToken);
            var lines = (activity.Log ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines.Skip(linesSeen))
            {
                observer.Log(line);
            }

            linesSeen = Math.Max(linesSeen, lines.Length);
            observer.Progress(activity.State, activity.CompletionPercent);
            if (IsFinished(activity))
            {
                return activity;
            }
        }
    }

    private static T? Read<T>(string data)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(data, ApiJson.Options);
        }
        catch (JsonException)
        {
            return default; // An event this version cannot read is skipped; the result event still ends the wait.
        }
    }
}

/// <summary>What a waiting command shows of an activity as it runs.</summary>
internal interface IActivityObserver
{
    void Progress(string state, int percent);

    void Log(string line);
}
