namespace Portal.Engine.Store;

/// <summary>The store lock of a single node: readers share, garbage collection waits for them all and excludes them.</summary>
public sealed class InProcessStoreLock : IStoreLock, IDisposable
{
    private readonly SemaphoreSlim _entry = new(1, 1);
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private int _readers;

    public async Task<IAsyncDisposable> SharedAsync(CancellationToken cancellationToken)
    {
        await _entry.WaitAsync(cancellationToken);
        try
        {
            if (_readers == 0)
            {
                await _exclusive.WaitAsync(cancellationToken);
            }

            _readers++;
        }
        finally
        {
            _entry.Release();
        }

        return new Release(() =>
        {
            _entry.Wait();
            try
            {
                if (--_readers == 0)
                {
                    _exclusive.Release();
                }
            }
            finally
            {
                _entry.Release();
            }
        });
    }

    public async Task<IAsyncDisposable> ExclusiveAsync(CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken);
        return new Release(() => _exclusive.Release());
    }

    public void Dispose()
    {
        _entry.Dispose();
        _exclusive.Dispose();
    }

    private sealed class Release(Action action) : IAsyncDisposable
    {
        private int _done;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                action();
            }

            return ValueTask.CompletedTask;
        }
    }
}
