namespace Portal.Engine;

using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Mounts;
using Portal.Engine.Adapters.MySql;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>What an adapter needs during one capture or restore: the store, options, counters, progress and cancellation.</summary>
internal sealed class EngineContext(
    IObjectStore store, EngineOptions options, EngineCounters counters, ProgressTracker progress, CancellationToken cancellationToken,
    bool live = false, EngineWarnings? warnings = null, OldTreeRemovals? removals = null, ObjectLookups? lookups = null, HeldTableDrops? heldDrops = null)
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

    /// <summary>Where the MariaDB tables a restore replaced go to be dropped off the critical path; without it they are dropped at once.</summary>
    public HeldTableDrops? HeldDrops { get; } = heldDrops;

    /// <summary>Records something the user must hear about (a skipped socket, a file that changed while read) and logs it as a phase.</summary>
    public void Warn(string message)
    {
        Warnings.Add(message);
        Progress.Phase($"warning: {message}");
    }

    public ObjectSink NewSink() => new(this);

    /// <summary>The same context under another token, so one service's failure can stop its siblings.</summary>
    public EngineContext WithCancellation(CancellationToken token) => new(Store, Options, Counters, Progress, token, Live, Warnings, Removals, Lookups, HeldDrops);

    /// <summary>One service's context in a capture: its own token and its own view of the progress (<see cref="ProgressTracker.ForService"/>).</summary>
    public EngineContext ForService(ProgressTracker progress, CancellationToken token) => new(Store, Options, Counters, progress, token, Live, Warnings, Removals, Lookups, HeldDrops);

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

/// <summary>
/// Turns byte counts into throttled progress reports; the total grows as adapters discover work. A capture's services run at
/// once and each learns its size only when it gets there (a mount after its walk), so while some have not, the share shown
/// is held to the share of services sized: otherwise small services finishing first would show 99 % before the largest began.
/// </summary>
internal sealed class ProgressTracker
{
    private static readonly long ReportEvery = TimeSpan.FromMilliseconds(200).Ticks;
    private readonly IProgress<EngineProgress>? _progress;
    private readonly ProgressTracker? _parent;
    private long _done;
    private long _total;
    private long _lastReport;
    private string? _message;
    private int _services;
    private int _sized;
    private int _isSized;

    public ProgressTracker(IProgress<EngineProgress> progress)
    {
        _progress = progress;
    }

    private ProgressTracker(ProgressTracker parent)
    {
        _parent = parent;
    }

    public long Done => Interlocked.Read(ref Root._done);

    public (long Done, long Total) Figures => (Interlocked.Read(ref Root._done), Interlocked.Read(ref Root._total));

    private ProgressTracker Root => _parent ?? this;

    /// <summary>Declares how many services will report through <see cref="ForService"/>, before any of them starts.</summary>
    public void ExpectServices(int count) => _services = count;

    /// <summary>One service's view: its first total, or its end (<see cref="Sized"/>), counts it as sized.</summary>
    public ProgressTracker ForService() => new(Root);

    public void AddTotal(long bytes)
    {
        Interlocked.Add(ref Root._total, bytes);
        Sized();
    }

    /// <summary>This service's size is known (or it is done); for a service that never declares a total, its end.</summary>
    public void Sized()
    {
        if (_parent is not null && Interlocked.Exchange(ref _isSized, 1) == 0)
        {
            Interlocked.Increment(ref _parent._sized);
        }
    }

    public void Phase(string message)
    {
        Root._message = message;
        Root.Report();
    }

    /// <summary>Ends at 100 %: totals are estimates (dump sizes, files that changed while walking), done is what happened.</summary>
    public void Finish(string message)
    {
        var root = Root;
        Interlocked.Exchange(ref root._total, Interlocked.Read(ref root._done));
        root._services = 0;
        Phase(message);
    }

    public void Advance(long bytes)
    {
        var root = Root;
        Interlocked.Add(ref root._done, bytes);
        var now = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
        var last = Interlocked.Read(ref root._lastReport);
        if (now - last >= ReportEvery && Interlocked.CompareExchange(ref root._lastReport, now, last) == last)
        {
            root.Report();
        }
    }

    public void Report()
    {
        var root = Root;
        var done = Interlocked.Read(ref root._done);
        var total = Math.Max(done, Interlocked.Read(ref root._total));
        var (services, sized) = (root._services, Volatile.Read(ref root._sized));
        if (sized < services && done > 0)
        {
            // Shown as done / total, which stays at most sized / services (1 % before any is sized) until every service knows its size.
            total = Math.Max(total, sized == 0 ? done * 100 : (long)Math.Ceiling((double)done * services / sized));
        }

        root._progress!.Report(new EngineProgress(done, total, root._message));
    }
}
