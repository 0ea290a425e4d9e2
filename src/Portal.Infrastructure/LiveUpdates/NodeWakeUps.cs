namespace Portal.Infrastructure.LiveUpdates;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Infrastructure.Activities;

/// <summary>
/// Wakes the workers of the other nodes when work may have become claimable (an activity queued, one ended and freed its
/// environment and a slot), with NOTIFY on <c>&lt;channel&gt;_work</c>; without it an idle node finds work queued through another
/// node only at its next poll. A lost wake-up costs only that wait, so a failure to send is logged and nothing more. With
/// SQLite there is one node, and its own queue wakes it.
/// </summary>
public sealed partial class NodeWakeUps(
    ActivitySignal signal,
    NodeIdentity node,
    IOptions<DatabaseOptions> database,
    IOptions<LiveUpdateOptions> options,
    ILogger<NodeWakeUps> logger)
{
    internal string WorkChannel => options.Value.Channel + "_work";

    /// <summary>Tells every node there may be work; after the change is committed, so a woken node sees it.</summary>
    public async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        if (database.Value.Provider != DatabaseProvider.PostgreSQL)
        {
            return;
        }

        try
        {
            await using var connection = new NpgsqlConnection(database.Value.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var notify = new NpgsqlCommand("SELECT pg_notify($1, '')", connection);
            notify.Parameters.Add(new NpgsqlParameter { Value = WorkChannel });
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogAnnounceFailed(ex);
        }
    }

    /// <summary>Another node (or this one) announced work: a node that claims work looks for it now.</summary>
    internal void Receive()
    {
        if (node.ClaimsWork)
        {
            signal.Wake();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake the other nodes' workers; they find the work at their next poll")]
    private partial void LogAnnounceFailed(Exception exception);
}
