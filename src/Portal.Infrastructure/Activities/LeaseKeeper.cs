namespace Portal.Infrastructure.Activities;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Hosting;

/// <summary>
/// Renews the leases of the activities this node runs, every <c>Activities:LeaseRenewalInterval</c>, so other nodes know it is
/// alive; a node that dies stops renewing and its work is taken over once its leases expire. Idle with SQLite.
/// </summary>
public sealed class LeaseKeeper(
    ActivityLeases leases,
    IOptions<ActivityOptions> options,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<LeaseKeeper> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    protected override TimeSpan Interval => options.Value.RenewalInterval;

    protected override Task RunOnceAsync(CancellationToken stoppingToken) =>
        leases.Enabled ? leases.RenewAsync(stoppingToken) : Task.CompletedTask;
}
