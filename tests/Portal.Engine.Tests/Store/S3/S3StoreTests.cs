namespace Portal.Engine.Tests.Store.S3;

using Microsoft.Extensions.Logging.Abstractions;
using Portal.Engine.Store;

/// <summary>What the S3 store's test classes share: stores and folders disposed after each test, and a quick retry policy.</summary>
public abstract class S3StoreTests : IDisposable
{
    private readonly List<IDisposable> _disposables = [];

    private protected static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        // Last made, first gone: a second node's store before the test store whose prefix it shares.
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            disposable.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    private protected static RetryingObjectStore Retrying(IObjectStore inner) =>
        new(inner, new StoreRetryOptions { MaxAttempts = 4, InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) }, TimeProvider.System, NullLogger<RetryingObjectStore>.Instance);

    private protected T Track<T>(T disposable)
        where T : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    private protected void Track(Action cleanup) => _disposables.Add(new Cleanup(cleanup));

    private sealed class Cleanup(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
