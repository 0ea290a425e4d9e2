namespace Portal.Api.Tests;

using System.Collections.ObjectModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Portal.Engine;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Telemetry;
using Span = System.Diagnostics.Activity;

/// <summary>A snapshot taken through the REST API, as a user takes one, seen from an in-memory exporter and from Prometheus.</summary>
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests
{
    private const string Environment = "develop-branch";
    private const string Snapshots = $"/api/projects/{DemoSeeder.ProjectId}/environments/{Environment}/snapshots";

    [Fact]
    public async Task ASnapshotAndARestoreThroughTheApiAreTracedToEachEnginePhaseAndCounted()
    {
        var ct = TestContext.Current.CancellationToken;
        var spans = new Recorded<Span>();
        var metrics = new Recorded<MetricSnapshot>();
        await using var portal = new PortalFactory
        {
            TestServices = services => services
                .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))
                .ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(metrics)),
        };
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);

        var activity = await RunAsync(client, Snapshots, "{}");
        var snapshotId = activity.GetProperty("snapshot_id").GetString()!;

        // HTTP: the request that queued it, by route.
        Assert.Contains(spans.Copy, s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == System.Diagnostics.ActivityKind.Server
            && (s.GetTagItem("http.route") as string)?.TrimEnd('/') == "/api/projects/{projectId}/environments/{environment}/snapshots"
            && Equals(s.GetTagItem("http.request.method"), "POST"));
        // EF Core: the worker's and the API's commands.
        Assert.Contains(spans.Copy, s => s.Source.Name == "OpenTelemetry.Instrumentation.EntityFrameworkCore");

        // The activity run, and under it the engine's phases: prepare, one span per service, commit; nothing is read back to verify.
        var run = Assert.Single(spans.Copy, s => s.Source.Name == PortalMetrics.ActivitySourceName && Equals(s.GetTagItem("portal.activity.id"), activity.GetProperty("id").GetString()));
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Ok, run.Status);
        var engine = spans.Copy.Where(s => s.Source.Name == EngineTelemetry.SourceName && Equals(s.GetTagItem("portal.snapshot.id"), snapshotId)).ToList();
        var capture = Assert.Single(engine, s => s.OperationName == "capture");
        Assert.Equal(run.SpanId, capture.ParentSpanId);
        Assert.Single(engine, s => s.OperationName == "capture.prepare" && s.ParentSpanId == capture.SpanId);
        Assert.Single(engine, s => s.OperationName == "capture.commit" && s.ParentSpanId == capture.SpanId);
        Assert.Equal(
            ["app/etc", "database", "pub/media", "var"],
            engine.Where(s => s.OperationName == "capture.service" && s.ParentSpanId == capture.SpanId).Select(s => (string)s.GetTagItem("portal.service.name")!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(engine, s => s.OperationName == "verify");

        // Metrics: other tests' Portals in this process count too, so this snapshot's figures are a lower bound.
        // The in-memory reader exports on flush (the Prometheus reader beside it only on a scrape, so the result is not all true).
        portal.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var snapshot = await ReadSnapshotAsync(client, snapshotId);
        Assert.True(Sum(metrics, "portal.snapshot.captured") >= snapshot.GetProperty("size_of_volumes").GetInt64() + snapshot.GetProperty("size_of_databases").GetInt64());
        Assert.True(Sum(metrics, "portal.snapshot.stored") > 0);
        Assert.Contains(Points(metrics, "portal.activity.duration"), p => Equals(Tag(p, "portal.activity.type"), "environment.backup") && Equals(Tag(p, "portal.activity.result"), "Success") && p.GetHistogramCount() >= 1);
        Assert.Contains(Points(metrics, "portal.activity.wait.duration"), p => Equals(Tag(p, "portal.activity.type"), "environment.backup"));
        Assert.NotEmpty(Points(metrics, "portal.activity.queue.depth"));

        // A restore of it: its phases per service, and the bytes it wrote back.
        var restore = await RunAsync(client, $"{Snapshots}/{snapshotId}/restore", "{\"safety_snapshot\": false}");
        var restoreRun = Assert.Single(spans.Copy, s => s.Source.Name == PortalMetrics.ActivitySourceName && Equals(s.GetTagItem("portal.activity.id"), restore.GetProperty("id").GetString()));
        var restored = Assert.Single(spans.Copy, s => s.Source.Name == EngineTelemetry.SourceName && s.OperationName == "restore" && s.ParentSpanId == restoreRun.SpanId);
        foreach (var phase in new[] { "restore.prepare", "restore.commit" })
        {
            Assert.Equal(4, spans.Copy.Count(s => s.OperationName == phase && s.ParentSpanId == restored.SpanId));
        }

        portal.Services.GetRequiredService<MeterProvider>().ForceFlush();
        Assert.True(Sum(metrics, "portal.snapshot.restored") > 0);
        Assert.Contains(Points(metrics, "portal.activity.duration"), p => Equals(Tag(p, "portal.activity.type"), "environment.restore"));
    }

    [Fact]
    public async Task ThePrometheusEndpointServesPortalsMetricsAnonymously()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = portal.CreateClient();

        // The store is measured once the sampler's first run is done; the scrape is cached briefly, so ask until it shows.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string text;
        while (true)
        {
            using var response = await client.GetAsync("/metrics", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync(ct);
            if (text.Contains("portal_store_size_bytes", StringComparison.Ordinal) && text.Contains("portal_activity_queue_depth", StringComparison.Ordinal))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "Portal's metrics never appeared at /metrics:\n" + text);
            await Task.Delay(200, ct);
        }

        Assert.Contains("# TYPE portal_store_size_bytes gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE portal_activity_queue_depth gauge", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracesAndMetricsGoToTheConfiguredOtlpCollector()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = Loopback.FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new List<(string Path, string? ContentType)>();
        var receiving = Task.Run(async () =>
        {
            while (true)
            {
                var context = await collector.GetContextAsync();
                lock (received)
                {
                    received.Add((context.Request.Url!.AbsolutePath, context.Request.ContentType));
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }, ct);

        var portal = new PortalFactory(settings: new()
        {
            ["Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{port}",
            ["Telemetry:OtlpProtocol"] = "HttpProtobuf",
        });
        await using (portal)
        {
            using var client = portal.CreateClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/projects", ct)).StatusCode);

            // A flush sends what the exporters hold now; relying on the flush at stop would race the host disposing its meters.
            Assert.True(portal.Services.GetRequiredService<TracerProvider>().ForceFlush());
            // (False whatever the OTLP reader did: the Prometheus reader beside it exports only on a scrape.)
            portal.Services.GetRequiredService<MeterProvider>().ForceFlush();
        }

        lock (received)
        {
            Assert.Contains(("/v1/traces", "application/x-protobuf"), received);
            Assert.Contains(("/v1/metrics", "application/x-protobuf"), received);
        }

        Assert.False(receiving.IsFaulted);
    }

    /// <summary>Queues an activity as a script would and waits until it succeeded.</summary>
    private static async Task<JsonElement> RunAsync(HttpClient client, string path, string body)
    {
        var ct = TestContext.Current.CancellationToken;
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        using var queued = await client.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var id = JsonDocument.Parse(await queued.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var activity = JsonDocument.Parse(await client.GetStringAsync($"/api/projects/{DemoSeeder.ProjectId}/activities/{id}", ct)).RootElement;
            if (activity.GetProperty("state").GetString() == "complete")
            {
                Assert.Equal("success", activity.GetProperty("result").GetString());
                return activity;
            }

            Assert.True(DateTime.UtcNow < deadline, $"activity {id} did not complete: {activity}");
            await Task.Delay(100, ct);
        }
    }

    private static async Task<JsonElement> ReadSnapshotAsync(HttpClient client, string snapshotId)
    {
        var list = JsonDocument.Parse(await client.GetStringAsync(Snapshots, TestContext.Current.CancellationToken)).RootElement;
        var items = list.ValueKind == JsonValueKind.Array ? list : list.GetProperty("items");
        return items.EnumerateArray().Single(s => s.GetProperty("id").GetString() == snapshotId);
    }

    private static List<MetricPoint> Points(Recorded<MetricSnapshot> metrics, string name)
    {
        var points = new List<MetricPoint>();
        foreach (var metric in metrics.Copy.Where(m => m.Name == name))
        {
            points.AddRange(metric.MetricPoints);
        }

        return points;
    }

    private static long Sum(Recorded<MetricSnapshot> metrics, string name) =>
        metrics.Copy.Where(m => m.Name == name).Select(m => m.MetricPoints.Sum(p => p.GetSumLong())).DefaultIfEmpty().Max();

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    /// <summary>What an exporter hands over, read safely while the worker's spans keep arriving.</summary>
    private sealed class Recorded<T> : Collection<T>
    {
        private readonly Lock _lock = new();

        public IReadOnlyList<T> Copy
        {
            get
            {
                lock (_lock)
                {
                    return [.. this];
                }
            }
        }

        protected override void InsertItem(int index, T item)
        {
            lock (_lock)
            {
                base.InsertItem(index, item);
            }
        }
    }
}

/// <summary>
/// Runs alone: every Portal host in the process creates a meter named "Portal", and when another test's host is disposed
/// the OpenTelemetry SDK retires the shared instrument stream, so this test's later measurements would be dropped.
/// </summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryTestsCollection;

