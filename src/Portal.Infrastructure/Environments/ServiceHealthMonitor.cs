namespace Portal.Infrastructure.Environments;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Environments;
using Portal.Engine;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Snapshots;

/// <summary>
/// Checks every environment's services at start and then every few minutes (<c>Background:ServiceCheckInterval</c>);
/// problems are shown on the environment. A service that answers gets back what a restore left to clean up on it when
/// Portal stopped or the server did not answer (the engine's <see cref="ISnapshotEngine.ResumeLeftovers"/>).
/// </summary>
internal sealed class ServiceHealthMonitor(
    IDbContextFactory<PortalDbContext> contexts,
    ServiceChecker checker,
    ISnapshotEngine engine,
    ServiceHealth health,
    IOptions<BackgroundOptions> options,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger<ServiceHealthMonitor> logger) : PeriodicBackgroundService(heartbeats, time, logger)
{
    protected override TimeSpan Interval => options.Value.ServiceCheckInterval;

    protected override Task RunOnceAsync(CancellationToken stoppingToken) => CheckAllAsync(stoppingToken);

    internal async Task CheckAllAsync(CancellationToken cancellationToken)
    {
        List<ProjectEnvironment> environments;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // An inactive environment takes no snapshot, and one removed from the declarations may have lost its services for good.
            environments = await db.Environments.AsNoTracking().Include(e => e.Services)
                .Where(e => e.Status != EnvironmentStatus.Inactive).ToListAsync(cancellationToken);
        }

        foreach (var environment in environments)
        {
            var problems = new List<string>();
            foreach (var spec in SnapshotCapture.ToSpecs(environment))
            {
                if (await checker.CheckAsync(spec, cancellationToken) is { } problem)
                {
                    problems.Add(problem);
                    logger.LogWarning("{Project}/{Environment}: {Problem}", environment.ProjectId, environment.Name, problem);
                }
                else
                {
                    engine.ResumeLeftovers(spec);
                }
            }

            health.Record(environment.Id, problems);
        }
    }
}
