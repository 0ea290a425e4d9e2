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
/// Portal stopped or the server did not answer (the engine's <see cref="ISnapshotEngine.ResumeLeftovers"/>); an inactive
/// environment's services are not checked, but get theirs too.
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
            environments = await db.Environments.AsNoTracking().Include(e => e.Services).ToListAsync(cancellationToken);
        }

        foreach (var environment in environments)
        {
            if (environment.Status == EnvironmentStatus.Inactive)
            {
                // Not checked: it takes no snapshot, and one removed from the declarations may have lost its services for good.
                // Its leftovers are still offered, since no restore (which would clear them) reaches an inactive environment;
                // the engine tries only what it recorded, silently, and keeps the record when the server does not answer.
                foreach (var spec in SnapshotCapture.ToSpecs(environment))
                {
                    engine.ResumeLeftovers(spec);
                }

                continue;
            }

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
