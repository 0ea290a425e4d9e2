namespace Portal.Engine.Adapters.MySql;

/// <summary>
/// Drops the tables a MariaDB restore replaced once the restore has ended, so it ends at its switch instead of waiting for
/// the server to delete the old table files. Drops of one target run in order, and the next restore of that target waits
/// for them first (they free the space its check asks for). A stop or kill part-way leaves the held tables to the next
/// successful restore of the target, which drops every holding place it finds (see <see cref="MySqlStage"/>).
/// </summary>
internal sealed class ReplacedTableDrops : IDisposable
{
    private readonly Dictionary<string, Task> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _lock = new();

    /// <summary>Queues a drop after the earlier ones of the same target; a drop that fails is left to the next restore.</summary>
    public void Schedule(string target, Func<CancellationToken, Task> drop)
    {
        var stopping = _stopping.Token;
        lock (_lock)
        {
            var before = _pending.GetValueOrDefault(target, Task.CompletedTask);
            _pending[target] = Task.Run(async () =>
            {
                await before.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    await drop(stopping);
                }
                catch (Exception ex) when (ex is MySqlConnector.MySqlException or IOException or UnauthorizedAccessException or OperationCanceledException)
                {
                    // The holding place stays; the next successful restore of this target drops it.
                }
            });
        }
    }

    /// <summary>Completes once every drop of the target scheduled so far ended (dropped, or left to the next restore).</summary>
    public Task WhenDoneAsync(string target)
    {
        lock (_lock)
        {
            return _pending.GetValueOrDefault(target, Task.CompletedTask);
        }
    }

    /// <summary>Completes once every drop scheduled so far ended; for tests and benchmarks.</summary>
    public Task WhenAllDoneAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_pending.Values.ToList());
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            WhenAllDoneAsync().Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Only the drops' own unexpected failures: what is not dropped stays for the next restore.
        }

        _stopping.Dispose();
    }
}
