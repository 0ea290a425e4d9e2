namespace Portal.Infrastructure.Tests.Support;

using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

/// <summary>
/// Counts the SQL commands EF sends to one test's database (told apart from parallel tests' by the connection's data source
/// or database name), so a test can show that a page costs the same number of queries however many rows it shows.
/// </summary>
public sealed class CommandCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly string _marker;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _gate = new();
    private int _count;

    public CommandCounter(PortalTestHost host, TestDatabase database)
    {
        _marker = database.IsPostgreSql ? new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).Database! : host.DataPath;
        _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Runs <paramref name="probe"/> until a command is counted: EF rechecks whether anyone listens only now and then, so the
    /// first commands after subscribing may go unseen.
    /// </summary>
    public async Task ListeningAsync(Func<Task> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountAsync(probe) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "EF never reported a command to the counter");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>How many commands <paramref name="call"/> sent.</summary>
    public async Task<int> CountAsync(Func<Task> call)
    {
        var before = Count;
        await call();
        return Count - before;
    }

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            lock (_gate)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData { Command.Connection: { } connection }
            && (connection.DataSource.Contains(_marker, StringComparison.Ordinal) || connection.Database == _marker))
        {
            Interlocked.Increment(ref _count);
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
        lock (_gate)
        {
            _subscriptions.ForEach(s => s.Dispose());
            _subscriptions.Clear();
        }
    }
}
