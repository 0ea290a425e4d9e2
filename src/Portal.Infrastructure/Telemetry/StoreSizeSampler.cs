namespace Portal.Infrastructure.Telemetry;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Engine;
using Portal.Infrastructure.Hosting;

/// <summary>Measures the snapshot store for the <c>portal.store.size</c> metric at start and every <c>Background:StoreSizeInterval</c>; walking the store is too slow for each scrape.</summary>
internal sealed class StoreSizeSampler(
    ISnapshotEngine engine,
    PortalMetrics metrics,
    IOptions<BackgroundOptions> options,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<StoreSizeSampler> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    protected override TimeSpan Interval => options.Value.StoreSizeInterval;

    protected override async Task RunOnceAsync(CancellationToken stoppingToken) =>
        metrics.StoreMeasured(await engine.MeasureStoreAsync(stoppingToken));
}
