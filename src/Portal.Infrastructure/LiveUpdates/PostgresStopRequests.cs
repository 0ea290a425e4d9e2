namespace Portal.Infrastructure.LiveUpdates;

using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Core.Activities;
using Portal.Infrastructure.Activities;

/// <summary>
/// A cancel that reaches the node running the activity: with PostgreSQL the node that took the request asks every node over
/// NOTIFY, the one holding the run answers with what its run said (stopping, or why it cannot), and the asker waits a
/// moment for that answer. With SQLite one process runs everything, so there is nobody else to ask.
/// </summary>
public sealed partial class PostgresStopRequests(
    RunningActivities local,
    PostgresActivityEvents events,
    IOptions<DatabaseOptions> database,
    IOptions<LiveUpdateOptions> options,
    ILogger<PostgresStopRequests> logger)
{
    /// <summary>How long the asker waits for the node holding the run; an answer is a NOTIFY round trip, milliseconds.</summary>
    internal static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<StopAnswer>> _waiting = new(StringComparer.Ordinal);

    internal string AskChannel => options.Value.Channel + "_stop";

    internal string AnswerChannel => options.Value.Channel + "_stopping";

    /// <summary>What the node running the activity answered; null when no node answered in time (none runs it, or none listens).</summary>
    public async Task<StopAnswer?> AskOtherNodesAsync(string activityId, string requestedBy, CancellationToken cancellationToken)
    {
        if (database.Value.Provider != DatabaseProvider.PostgreSQL)
        {
            return null;
        }

        var request = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<StopAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[request] = answer;
        try
        {
            var ask = new StopRequest(request, events.NodeId, activityId, requestedBy);
            await NotifyAsync(AskChannel, JsonSerializer.Serialize(ask, StopJson.Default.StopRequest), cancellationToken);
            return await answer.Task.WaitAsync(AnswerTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            _waiting.TryRemove(request, out _);
        }
    }

    /// <summary>Called by the listener for each payload on the two channels; a bad payload is logged and skipped.</summary>
    internal void Receive(string channel, string payload)
    {
        try
        {
            if (channel == AskChannel)
            {
                var ask = JsonSerializer.Deserialize(payload, StopJson.Default.StopRequest) ?? throw new JsonException("empty request");
                // The asker tried its own runs first; every other node that holds no run of it stays silent.
                if (ask.Node != events.NodeId && local.RequestStop(ask.Activity, ask.By) is { } answer)
                {
                    var reply = new StopReply(ask.Request, answer.Stopping, answer.CannotStop);
                    _ = AnswerAsync(JsonSerializer.Serialize(reply, StopJson.Default.StopReply));
                }
            }
            else if (channel == AnswerChannel)
            {
                var reply = JsonSerializer.Deserialize(payload, StopJson.Default.StopReply) ?? throw new JsonException("empty answer");
                if (_waiting.TryGetValue(reply.Request, out var waiting))
                {
                    waiting.TrySetResult(new StopAnswer(reply.Stopping, reply.CannotStop));
                }
            }
        }
        catch (Exception ex)
        {
            LogBadPayload(ex, channel);
        }
    }

    private async Task AnswerAsync(string payload)
    {
        try
        {
            using var timeout = new CancellationTokenSource(AnswerTimeout);
            await NotifyAsync(AnswerChannel, payload, timeout.Token);
        }
        catch (Exception ex)
        {
            // The run is stopping either way; the asker only misses the answer and says it could not reach the node.
            LogAnswerFailed(ex);
        }
    }

    private async Task NotifyAsync(string channel, string payload, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(database.Value.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection);
        notify.Parameters.Add(new NpgsqlParameter { Value = channel });
        notify.Parameters.Add(new NpgsqlParameter { Value = payload });
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped a cancel notification on {Channel} that could not be read")]
    private partial void LogBadPayload(Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A run was asked to stop by another node, but the answer could not be sent back")]
    private partial void LogAnswerFailed(Exception exception);
}

internal sealed record StopRequest(
    [property: JsonPropertyName("r")] string Request,
    [property: JsonPropertyName("n")] string Node,
    [property: JsonPropertyName("a")] string Activity,
    [property: JsonPropertyName("by")] string By);

internal sealed record StopReply(
    [property: JsonPropertyName("r")] string Request,
    [property: JsonPropertyName("s")] bool Stopping,
    [property: JsonPropertyName("c")] string? CannotStop);

[JsonSerializable(typeof(StopRequest))]
[JsonSerializable(typeof(StopReply))]
internal sealed partial class StopJson : JsonSerializerContext;
