namespace Portal.Engine;

/// <summary>
/// Lets captures, verifies and restores run together but never while garbage collection runs, since a capture may
/// rely on an object no manifest references yet. In-process only: one node owns a filesystem store.
/// </summary>
internal sealed class StoreGate : IDisposable
{
    private readonly SemaphoreSlim _entry = new(1, 1);
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private int _readers;

    public async Task<IDisposable> SharedAsync(CancellationToken cancellationToken)
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

    public async Task<IDisposable> ExclusiveAsync(CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken);
        return new Release(() => _exclusive.Release());
    }

    public void Dispose()
    {
        _entry.Dispose();
        _exclusive.Dispose();
    }

    private sealed class Release(Action action) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                action();
            }
        }
    }
}
