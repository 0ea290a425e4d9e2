namespace Portal.Infrastructure.Telemetry;

using System.Diagnostics;
using System.Diagnostics.Metrics;

/// <summary>
/// Portal's own metrics (meter <see cref="MeterName"/>) and the span of each activity run (source
/// <see cref="ActivitySourceName"/>), under which the engine's phase spans nest. Tags stay low-cardinality: activity
/// type and result, never a project, environment or snapshot name.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "Portal";
    public const string ActivitySourceName = "Portal.Activities";

    internal static readonly ActivitySource Runs = new(ActivitySourceName);

    private readonly Histogram<double> _wait;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _captured;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _restored;
    private long _queueDepth;
    private long _storeBytes = -1;

    public PortalMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("portal.activity.queue.depth", () => Interlocked.Read(ref _queueDepth), "{activity}",
            "Activities waiting to run, as the worker last counted them");
        _wait = meter.CreateHistogram<double>("portal.activity.wait.duration", "s", "Time an activity waited in the queue before it started");
        _duration = meter.CreateHistogram<double>("portal.activity.duration", "s", "Time an activity ran, from start to completion");
        _captured = meter.CreateCounter<long>("portal.snapshot.captured", "By", "Bytes of databases and files read into snapshots (uncompressed)");
        _stored = meter.CreateCounter<long>("portal.snapshot.stored", "By", "Compressed bytes snapshots added to the store");
        _restored = meter.CreateCounter<long>("portal.snapshot.restored", "By", "Bytes restores wrote back into services and mounts");
        meter.CreateObservableGauge("portal.store.size", StoreSize, "By", "Bytes the snapshot store holds (compressed objects and manifests), as last measured");
    }

    public void QueueDepth(long pending) => Interlocked.Exchange(ref _queueDepth, pending);

    public void Started(string type, TimeSpan waited) => _wait.Record(Math.Max(0, waited.TotalSeconds), new KeyValuePair<string, object?>("portal.activity.type", type));

    public void Completed(string type, string result, TimeSpan ran) => _duration.Record(
        Math.Max(0, ran.TotalSeconds), new KeyValuePair<string, object?>("portal.activity.type", type), new KeyValuePair<string, object?>("portal.activity.result", result));

    public void Captured(long bytes, long stored)
    {
        _captured.Add(bytes);
        _stored.Add(stored);
    }

    public void Restored(long bytes) => _restored.Add(bytes);

    public void StoreMeasured(long bytes) => Interlocked.Exchange(ref _storeBytes, bytes);

    private IEnumerable<Measurement<long>> StoreSize()
    {
        // Nothing until the first measurement: a 0 would read as an empty store.
        var bytes = Interlocked.Read(ref _storeBytes);
        return bytes < 0 ? [] : [new Measurement<long>(bytes)];
    }
}
