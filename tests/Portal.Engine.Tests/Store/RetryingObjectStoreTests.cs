namespace Portal.Engine.Tests.Store;

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Portal.Contracts;
using Portal.Engine.Store;

public sealed class RetryingObjectStoreTests : IDisposable
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private readonly Workspace _ws = new();
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingLogger _log = new();
    private readonly FlakyObjectStore _flaky;
    private readonly RetryingObjectStore _store;

    public RetryingObjectStoreTests()
    {
        _flaky = new FlakyObjectStore(new FileSystemObjectStore(_ws.StorePath));
        _store = new RetryingObjectStore(_flaky, new StoreRetryOptions { MaxAttempts = 3, InitialDelay = Initial, MaxDelay = TimeSpan.FromSeconds(10) }, _time, _log);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task ATransientFailureOnWriteIsRetriedAfterItsBackoffAndTheObjectIsStoredOnceIntact()
    {
        byte[] content = [.. Enumerable.Range(0, 10_000).Select(i => (byte)i)];
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        _flaky.Failure = (operation, before) => operation == nameof(IObjectStore.CommitAsync) && before == 0 ? new ObjectStoreTransientException("503 Slow Down") : null;
        using var pending = await _store.BeginPutAsync(Token);
        pending.Content.Write(content);

        var commit = _store.CommitAsync(pending, hash, knownMissing: false, Token).AsTask();
        // The first wait is the initial delay less up to half of it as jitter: not over before half of it.
        _time.Advance(Initial / 2 - TimeSpan.FromMilliseconds(1));
        Assert.False(commit.IsCompleted);
        _time.Advance(Initial / 2 + TimeSpan.FromMilliseconds(1));

        Assert.Equal(content.Length, await commit.WaitAsync(TimeSpan.FromSeconds(30), Token));
        Assert.Equal(2, _flaky.Calls(nameof(IObjectStore.CommitAsync)));
        Assert.Equal(content, await File.ReadAllBytesAsync(Assert.Single(_ws.ObjectFiles()), Token));
        Assert.Equal(_ws.ObjectFile(hash), Assert.Single(_ws.ObjectFiles()));
        Assert.Empty(Directory.GetFiles(Path.Combine(_ws.StorePath, "tmp")));
        Assert.Contains(_log.Lines, line => line.StartsWith("Warning: The snapshot store failed to commit an object (try 1 of 3)", StringComparison.Ordinal));
        Assert.Contains("Information: The snapshot store managed to commit an object at try 2", _log.Lines);
    }

    public static TheoryData<Exception> PermanentFailures =>
    [
        new FileNotFoundException("gone"),
        new DirectoryNotFoundException("gone"),
        new IOException("No space left on device", 28),
        new UnauthorizedAccessException("denied"),
        new InvalidOperationException("a bug"),
        new OperationCanceledException("stopped"),
    ];

    [Theory]
    [MemberData(nameof(PermanentFailures))]
    public async Task APermanentFailureOrACancellationIsThrownAtOnceWithoutRetrying(Exception failure)
    {
        _flaky.Failure = (_, _) => failure;

        var thrown = await Assert.ThrowsAnyAsync<Exception>(async () => await _store.OpenReadAsync(new string('a', 64), Token));

        Assert.Same(failure, thrown);
        Assert.Equal(1, _flaky.Calls(nameof(IObjectStore.OpenReadAsync)));
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public async Task ACancellationDuringTheBackoffStopsWithoutAnotherTry()
    {
        _flaky.Failure = (_, _) => new TimeoutException("slow");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var read = _store.ReadManifestAsync("s1", cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.Equal(1, _flaky.Calls(nameof(IObjectStore.ReadManifestAsync)));
    }

    [Fact]
    public async Task ItGivesUpAfterMaxAttemptsWithTheLastFailure()
    {
        _flaky.Failure = (_, before) => before % 2 == 0 ? new IOException($"reset {before + 1}") : new TimeoutException($"timeout {before + 1}");

        var write = _store.WriteManifestAsync("s1", [1, 2, 3], [], Token).AsTask();
        for (var i = 0; i < 10 && !write.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(10, Token);
        }

        var thrown = await Assert.ThrowsAsync<IOException>(() => write);
        Assert.Equal("reset 3", thrown.Message);
        Assert.Equal(3, _flaky.Calls(nameof(IObjectStore.WriteManifestAsync)));
        Assert.Equal(2, _log.Lines.Count(line => line.StartsWith("Warning:", StringComparison.Ordinal)));
        Assert.Contains("Error: The snapshot store failed to write a manifest 3 times; giving up", _log.Lines);
        Assert.False(File.Exists(_ws.ManifestFile("s1")));
    }

    [Fact]
    public void EachWaitDoublesUpToTheCapAndIsJitteredByUpToHalf()
    {
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var full = TimeSpan.FromTicks(Math.Min(Initial.Ticks << (attempt - 1), TimeSpan.FromSeconds(10).Ticks));
            for (var sample = 0; sample < 100; sample++)
            {
                var wait = _store.Backoff(attempt);
                Assert.InRange(wait, full / 2, full);
            }
        }
    }

    [Fact]
    public async Task ACallThatSucceedsAtOnceAllocatesNothing()
    {
        var store = new RetryingObjectStore(new AnsweringStore(), new StoreRetryOptions(), _time, _log);
        var hash = new string('a', 64);
        // The first calls create the static call delegates, once per process.
        await store.ExistsAsync(hash, Token);
        await store.DeleteAsync(hash, Token);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _ = StoreCalls.Wait(store.ExistsAsync(hash, Token));
            await store.DeleteAsync(hash, Token);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public async Task ACaptureAndRestoreGoThroughTransientFailuresOfEveryKindOfCall()
    {
        var media = _ws.PathOf("media");
        Directory.CreateDirectory(media);
        await File.WriteAllTextAsync(Path.Combine(media, "a.txt"), "alpha", Token);
        await File.WriteAllBytesAsync(Path.Combine(media, "b.bin"), RandomNumberGenerator.GetBytes(100_000), Token);
        var before = Tree.Describe(media);
        // Every first call of each operation fails; real one-millisecond waits keep the test short.
        _flaky.Failure = (_, calls) => calls == 0 ? new ObjectStoreTransientException("first call fails") : null;
        var store = new RetryingObjectStore(_flaky, new StoreRetryOptions { InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) }, TimeProvider.System, _log);
        using var engine = TestEngines.Create(_ws.Options, store);
        ServiceSpec spec = new("media", ServiceKind.Mount, media);

        await engine.CaptureAsync(new CaptureRequest("s1", "env-1", [spec]), Workspace.NoProgress, Token);
        await File.WriteAllTextAsync(Path.Combine(media, "a.txt"), "changed", Token);
        await engine.RestoreAsync(new RestoreRequest("s1", [spec]), Workspace.NoProgress, Token);

        Assert.Equal(before, Tree.Describe(media));
        Assert.True(_flaky.Calls(nameof(IObjectStore.CommitAsync)) >= 2);
        Assert.True(_flaky.Calls(nameof(IObjectStore.OpenReadAsync)) >= 2);
    }

    /// <summary>Answers every call at once without allocating, so only the wrapper's own allocations are measured.</summary>
    private sealed class AnsweringStore : IObjectStore
    {
        public int Concurrency => 1;

        public ValueTask<IPendingObject> BeginPutAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<long> CommitAsync(IPendingObject pending, string hash, bool knownMissing, CancellationToken cancellationToken) => ValueTask.FromResult(0L);

        public ValueTask<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool> ExistsAsync(string hash, CancellationToken cancellationToken) => ValueTask.FromResult(true);

        public ValueTask<IReadOnlySet<string>> WhichExistAsync(IEnumerable<string> hashes, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<ObjectPage?> ListFolderAsync(string folder, CancellationToken cancellationToken) => ValueTask.FromResult<ObjectPage?>(null);

        public ValueTask DeleteAsync(string hash, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<long> TotalBytesAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

        public ValueTask WriteManifestAsync(string snapshotId, byte[] content, IReadOnlyCollection<string> stored, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<byte[]?> ReadManifestAsync(string snapshotId, CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);

        public ValueTask<byte[]?> ReadManifestStartAsync(string snapshotId, int length, CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);

        public ValueTask<bool> HasManifestAsync(string snapshotId, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask DeleteManifestAsync(string snapshotId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask SetPinAsync(string snapshotId, byte[]? content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyDictionary<string, byte[]>> ReadPinsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public long ReadOrder(string hash) => -1;

        public ValueTask RefreshAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CompactAsync(bool everyReferencedObjectListed, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask ClearTempAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public string NewTempPath(string suffix) => throw new NotSupportedException();
    }

    /// <summary>Keeps each log line as "Level: message".</summary>
    private sealed class RecordingLogger : ILogger<RetryingObjectStore>
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
        }
    }
}
