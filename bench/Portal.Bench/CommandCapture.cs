namespace Portal.Bench;

using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

/// <summary>A command exactly as EF sent it: text and parameters (cloned, with values).</summary>
internal sealed record CapturedCommand(string Sql, IReadOnlyList<DbParameter> Parameters)
{
    public string Describe() => string.Join(", ", Parameters.Select(p => $"{p.ParameterName}={p.Value}"));
}

/// <summary>
/// Records the commands EF executes through its DiagnosticSource, so the query plan is taken for the very SQL the real
/// pooled context sends (no copy of the LINQ, no change to the app's context options). Dispose before timing anything:
/// an active subscriber makes EF build event payloads for every command.
/// </summary>
internal sealed class CommandCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly List<IDisposable> subscriptions = [];
    private readonly List<CapturedCommand> commands = [];
    private readonly Lock gate = new();

    public CommandCapture() => subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

    public IReadOnlyList<CapturedCommand> Commands
    {
        get
        {
            lock (gate)
            {
                return [.. commands];
            }
        }
    }

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            lock (gate)
            {
                subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData data)
        {
            var parameters = data.Command.Parameters.Cast<DbParameter>().Select(Clone).ToList();
            lock (gate)
            {
                commands.Add(new CapturedCommand(data.Command.CommandText, parameters));
            }
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var subscription in subscriptions)
            {
                subscription.Dispose();
            }

            subscriptions.Clear();
        }
    }

    // NpgsqlParameter clones itself with its NpgsqlDbType. A SqliteParameter is copied by name and value only: its
    // SqliteType getter reports a type inferred from the value (Blob for a Guid) that EF never set, and setting it
    // explicitly would bind the Guid as a BLOB instead of the TEXT EF binds and stores.
    private static DbParameter Clone(DbParameter parameter) => parameter switch
    {
        ICloneable cloneable => (DbParameter)cloneable.Clone(),
        Microsoft.Data.Sqlite.SqliteParameter sqlite => new Microsoft.Data.Sqlite.SqliteParameter(sqlite.ParameterName, sqlite.Value),
        _ => throw new NotSupportedException($"Cannot copy a {parameter.GetType().Name}."),
    };
}
