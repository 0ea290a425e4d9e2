namespace Portal.Engine;

using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Mounts;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>What an adapter needs during one capture or restore: the store, options, counters, progress and cancellation.</summary>
internal sealed class EngineContext(
    IObjectStore store, EngineOptions options, EngineCounters counters, ProgressTracker progress, CancellationToken cancellationToken,
    bool live = false, EngineWarnings? warnings = null, OldTreeRemovals? removals = null, ObjectLookups? lookups = null)
{
    public IObjectStore Store { get; } = store;

    public EngineOptions Options { get; } = options;

    public EngineCounters Counters { get; } = counters;

    public ProgressTracker Progress { get; } = progress;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>This run's answers to "is this object stored?"; shared by its services, never by another run.</summary>
    public ObjectLookups Lookups { get; } = lookups ?? new ObjectLookups(store);

    /// <summary>The capture is live: the environment keeps writing, so nothing may block it.</summary>
    public bool Live { get; } = live;

    /// <summary>What this capture or restore could not keep exactly; shared by every service of the run.</summary>
    public EngineWarnings Warnings { get; } = warnings ?? new EngineWarnings();

    /// <summary>Where swapped-out mount trees go to be deleted off the critical path; without it they are deleted at once.</summary>
    public OldTreeRemovals? Removals { get; } = removals;

    /// <summary>Records something the user must hear about (a skipped socket, a file that changed while read) and logs it as a phase.</summary>
    public void Warn(string message)
    {
        Warnings.Add(message);
        Progress.Phase($"warning: {message}");
    }

    public ObjectSink NewSink() => new(this);

    /// <summary>The same context under another token, so one service's failure can stop its siblings.</summary>
    public EngineContext WithCancellation(CancellationToken token) => new(Store, Options, Counters, Progress, token, Live, Warnings, Removals, Lookups);

    public ChunkReader OpenChunks(IReadOnlyList<ChunkRef> chunks, string owner) => new(Store, chunks, owner, CancellationToken);

    /// <summary>Decompresses and rehashes every distinct chunk on all cores; throws naming the first bad one.</summary>
    public Task VerifyAsync(IEnumerable<ChunkRef> chunks, string owner) =>
        ChunkReader.VerifyAllAsync(Store, chunks.Select(c => (c, owner)), Progress, CancellationToken);

    /// <summary>Writes the verified, uncompressed content of chunks to output, reporting progress as it goes.</summary>
    public void CopyChunks(IReadOnlyList<ChunkRef> chunks, string owner, Stream output)
    {
        using var input = OpenChunks(chunks, owner);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int n;
            while ((n = input.Read(buffer)) > 0)
            {
                CancellationToken.ThrowIfCancellationRequested();
                output.Write(buffer, 0, n);
                Progress.Advance(n);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>Warnings of one capture or restore, in the order they were found; thread-safe, since services run at once.</summary>
internal sealed class EngineWarnings
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _items = new();

    public void Add(string message) => _items.Enqueue(message);

    public IReadOnlyList<string> ToList() => [.. _items];
}

/// <summary>Cumulative figures the tests use to prove that unchanged files are neither read nor stored again.</summary>
internal sealed class EngineCounters
{
    private long _bytesHashed;
    private long _objectsWritten;
    private long _bytesStored;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _stored = new(StringComparer.Ordinal);

    public long BytesHashed => Interlocked.Read(ref _bytesHashed);

    /// <summary>Objects that were new to the store (an identical object already present does not count).</summary>
    public long ObjectsWritten => Interlocked.Read(ref _objectsWritten);

    public long BytesStored => Interlocked.Read(ref _bytesStored);

    public void AddBytesHashed(long bytes) => Interlocked.Add(ref _bytesHashed, bytes);

    /// <summary>Objects this capture wrote or found already stored while writing them: the ones its manifest must make durable.</summary>
    public IReadOnlyCollection<string> Stored => _stored.Keys.ToList();

    public void AddObjectWritten(string hash, long compressedBytes)
    {
        _stored.TryAdd(hash, 0);
        if (compressedBytes > 0)
        {
            Interlocked.Increment(ref _objectsWritten);
            Interlocked.Add(ref _bytesStored, compressedBytes);
        }
    }
}

/// <summary>Turns byte counts into throttled progress reports; the total may grow as adapters discover work.</summary>
internal sealed class ProgressTracker(IProgress<EngineProgress> progress)
{
    private static readonly long ReportEvery = TimeSpan.FromMilliseconds(200).Ticks;
    private long _done;
    private long _total;
    private long _lastReport;
    private string? _message;

    public long Done => Interlocked.Read(ref _done);

    public (long Done, long Total) Figures => (Interlocked.Read(ref _done), Interlocked.Read(ref _total));

    public void AddTotal(long bytes) => Interlocked.Add(ref _total, bytes);

    public void Phase(string message)
    {
        _message = message;
        Report();
    }

    /// <summary>Ends at 100 %: totals are estimates (dump sizes, files that changed while walking), done is what happened.</summary>
    public void Finish(string message)
    {
        Interlocked.Exchange(ref _total, Interlocked.Read(ref _done));
        Phase(message);
    }

    public void Advance(long bytes)
    {
        Interlocked.Add(ref _done, bytes);
        var now = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
        var last = Interlocked.Read(ref _lastReport);
        if (now - last >= ReportEvery && Interlocked.CompareExchange(ref _lastReport, now, last) == last)
        {
            Report();
        }
    }

    public void Report()
    {
        var done = Interlocked.Read(ref _done);
        progress.Report(new EngineProgress(done, Math.Max(done, Interlocked.Read(ref _total)), _message));
    }
}
