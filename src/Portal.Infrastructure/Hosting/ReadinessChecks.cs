namespace Portal.Infrastructure.Hosting;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Engine;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;

/// <summary>The metadata database answers a query.</summary>
internal sealed class DatabaseReadinessCheck(IDbContextFactory<PortalDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
        return HealthCheckResult.Healthy();
    }
}

/// <summary>The snapshot store takes a write, as the next capture will need.</summary>
internal sealed class StoreReadinessCheck(ISnapshotEngine engine) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await engine.ProbeWritableAsync(cancellationToken);
        return HealthCheckResult.Healthy();
    }
}

/// <summary>The activity worker polled successfully within its last few intervals.</summary>
internal sealed class WorkerReadinessCheck(Heartbeats heartbeats) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(heartbeats.IsFresh(nameof(ActivityWorker))
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, $"no successful poll since {heartbeats.Last(nameof(ActivityWorker))?.At.ToString("O") ?? "start"}"));
}
