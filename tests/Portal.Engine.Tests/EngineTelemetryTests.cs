namespace Portal.Engine.Tests;

using System.Collections.Concurrent;
using System.Diagnostics;
using Portal.Contracts;

/// <summary>The engine's phase spans, heard through a plain ActivityListener as any OpenTelemetry tracer would hear them.</summary>
public sealed class EngineTelemetryTests : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;
    private readonly string _id = "trace-" + Guid.NewGuid().ToString("N");

    public EngineTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EngineTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        foreach (var mount in new[] { "var", "media" })
        {
            Directory.CreateDirectory(_ws.PathOf($"env/{mount}"));
            File.WriteAllText(_ws.PathOf($"env/{mount}/file.txt"), $"{mount} content");
        }
    }

    private ServiceSpec[] Services => [new("var", ServiceKind.Mount, _ws.PathOf("env/var")), new("media", ServiceKind.Mount, _ws.PathOf("env/media"))];

    public void Dispose()
    {
        _listener.Dispose();
        _ws.Dispose();
    }

    [Fact]
    public async Task ARestoreIsTracedPerServiceThroughPrepareAndCommitAndReportsItsBytes()
    {
        await _ws.CaptureAsync(_id, Services);

        var result = await _ws.RestoreAsync(_id, Services);

        var spans = Ours();
        var restore = Assert.Single(spans, s => s.OperationName == "restore");
        foreach (var phase in new[] { "restore.prepare", "restore.commit" })
        {
            Assert.Equal(["media", "var"], spans.Where(s => s.OperationName == phase && s.ParentSpanId == restore.SpanId)
                .Select(s => (string)s.GetTagItem("portal.service.name")!).Order(StringComparer.Ordinal));
        }

        Assert.All(spans.Where(s => s.OperationName.StartsWith("restore", StringComparison.Ordinal)), s => Assert.NotEqual(ActivityStatusCode.Error, s.Status));
        Assert.Equal("var content".Length + "media content".Length, result.BytesRestored);
    }

    [Fact]
    public async Task APhaseThatFailsIsMarkedAsAnErrorWithItsException()
    {
        await _ws.CaptureAsync(_id, Services);
        foreach (var file in _ws.ObjectFiles())
        {
            File.WriteAllBytes(file, [1, 2, 3]);
        }

        await Assert.ThrowsAnyAsync<SnapshotEngineException>(() => _ws.RestoreAsync(_id, Services));

        var spans = Ours();
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(spans, s => s.OperationName == "restore").Status);
        // The service whose objects failed verification carries the exception (a sibling stopped because of it may be an error too).
        Assert.Contains(spans, s => s.OperationName == "restore.prepare" && s.Status == ActivityStatusCode.Error
            && s.Events.Any(e => e.Name == "exception" && e.Tags.Any(t => t.Key == "exception.type" && Equals(t.Value, typeof(SnapshotCorruptException).FullName))));
        Assert.DoesNotContain(spans, s => s.OperationName == "restore.commit");
    }

    private List<Activity> Ours() => [.. _spans.Where(s => Equals(s.GetTagItem("portal.snapshot.id"), _id))];
}
