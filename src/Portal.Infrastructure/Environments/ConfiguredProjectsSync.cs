namespace Portal.Infrastructure.Environments;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Projects;
using Portal.Core.Schedules;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Writes the declared projects into the metadata database at every start, whatever changed since the last one:
/// configuration wins for what it declares (titles, types, plans, commands, services matched by name). An environment
/// removed from a declared project is kept with its snapshots and marked inactive until it is declared again; a status
/// the product set (paused, dirty) is never overridden. Projects that are not declared are left alone.
/// </summary>
internal sealed class ConfiguredProjectsSync(
    IDbContextFactory<PortalDbContext> contexts,
    IOptions<ConfiguredProjects> options,
    TimeProvider time,
    ILogger<ConfiguredProjectsSync> logger)
{
    private const int Attempts = 3;

    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Items.Count == 0)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ApplyOnceAsync(cancellationToken);
                break;
            }
            catch (DbUpdateException e) when (attempt < Attempts)
            {
                // Another node starting at the same moment wrote the same rows first; its writes are read on the next pass.
                logger.LogWarning(e, "Declared projects changed while being applied (attempt {Attempt} of {Attempts}); applying again", attempt, Attempts);
            }
        }

        logger.LogInformation("Applied {Count} declared project(s) from configuration", options.Value.Items.Count);
    }

    private async Task ApplyOnceAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        foreach (var definition in options.Value.Items)
        {
            await ApplyProjectAsync(db, definition, now, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task ApplyProjectAsync(PortalDbContext db, ProjectDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var title = string.IsNullOrWhiteSpace(definition.Title) ? definition.Id : definition.Title;
        var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == definition.Id, cancellationToken);
        if (project is null)
        {
            db.Projects.Add(new Project { Id = definition.Id, Title = title, CreatedAt = now, TimeZone = definition.TimeZone });
        }
        else
        {
            project.Title = title;
            project.TimeZone = definition.TimeZone;
        }

        var undeclared = await db.Environments.Include(e => e.Services)
            .Where(e => e.ProjectId == definition.Id).ToDictionaryAsync(e => e.Name, StringComparer.Ordinal, cancellationToken);
        foreach (var declared in definition.Environments)
        {
            if (!undeclared.Remove(declared.Name, out var environment))
            {
                environment = new ProjectEnvironment { ProjectId = definition.Id, Name = declared.Name, Title = declared.Name, Status = declared.Status, CreatedAt = now };
                db.Environments.Add(environment);
            }

            environment.Title = declared.Title ?? declared.Name;
            environment.ParentName = declared.Parent;
            environment.Type = declared.Type;
            environment.Plan = declared.Plan;
            environment.Status = SetByPortal(environment.Status) ? environment.Status : declared.Status;
            environment.PreSnapshotCommand = declared.PreSnapshotCommand;
            environment.PostSnapshotCommand = declared.PostSnapshotCommand;
            ApplyServices(db, environment, declared.Services);
            await ApplyScheduleAsync(db, definition.Id, environment.Id, declared.Schedule, now, cancellationToken);
        }

        // Never deleted: its snapshots and activities stay, and declaring it again makes it active with them.
        foreach (var removed in undeclared.Values.Where(e => e.Status == EnvironmentStatus.Active))
        {
            removed.Status = EnvironmentStatus.Inactive;
            logger.LogInformation("{Project}/{Environment} is no longer declared: it is inactive, its snapshots are kept", definition.Id, removed.Name);
        }

        foreach (var admin in definition.Admins.Distinct(StringComparer.Ordinal))
        {
            await GrantAdminAsync(db, definition.Id, admin, cancellationToken);
        }
    }

    /// <summary>
    /// A declared schedule replaces whatever the environment had; one no longer declared is removed, but a schedule its admins
    /// set in the pane is left alone. An unchanged declaration keeps its last run, so a restart does not reset the clock.
    /// </summary>
    private static async Task ApplyScheduleAsync(PortalDbContext db, string projectId, Guid environmentId, ScheduleDefinition? declared, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var current = await db.Schedules.FirstOrDefaultAsync(s => s.EnvironmentId == environmentId, cancellationToken);
        if (declared is null)
        {
            if (current is { Declared: true })
            {
                db.Schedules.Remove(current);
            }

            return;
        }

        var cron = declared.Cron.Trim();
        if (current is { Declared: true } && current.Cron == cron && current.Live == declared.Live)
        {
            return;
        }

        current ??= db.Schedules.Add(new SnapshotSchedule { ProjectId = projectId, EnvironmentId = environmentId, Cron = cron, UpdatedBy = Actor.System.UserId }).Entity;
        current.Cron = cron;
        current.Live = declared.Live;
        current.Declared = true;
        current.UpdatedBy = Actor.System.UserId;
        current.UpdatedAt = now;
        current.LastRunAt = null;
    }

    /// <summary>Matches services by name so an unchanged one keeps its row; one whose kind changed is replaced.</summary>
    private static void ApplyServices(PortalDbContext db, ProjectEnvironment environment, List<ServiceDefinition> declared)
    {
        var wanted = declared.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var service in environment.Services.ToList())
        {
            if (wanted.TryGetValue(service.Name, out var definition) && definition.Kind == service.Kind)
            {
                service.Location = definition.Location;
                wanted.Remove(service.Name);
                continue;
            }

            environment.Services.Remove(service);
            db.EnvironmentServices.Remove(service);
        }

        foreach (var definition in wanted.Values)
        {
            // Added through the set, not the navigation: EF takes a new entity with a set Guid key found there for an existing row.
            var service = new EnvironmentService { EnvironmentId = environment.Id, Kind = definition.Kind, Name = definition.Name, Location = definition.Location };
            db.EnvironmentServices.Add(service);
            environment.Services.Add(service);
        }
    }

    /// <summary>Statuses an activity or a recovery set, which only the product may lift.</summary>
    private static bool SetByPortal(EnvironmentStatus status) => status is EnvironmentStatus.Paused or EnvironmentStatus.Dirty;

    private static async Task GrantAdminAsync(PortalDbContext db, string projectId, string userId, CancellationToken cancellationToken)
    {
        if (await db.Users.FindAsync([userId], cancellationToken) is null)
        {
            db.Users.Add(new PortalUser { Id = userId, DisplayName = userId });
        }

        var access = await db.ProjectAccess.FindAsync([projectId, userId], cancellationToken);
        if (access is null)
        {
            db.ProjectAccess.Add(new ProjectAccess { ProjectId = projectId, UserId = userId, Role = ProjectRole.Admin });
        }
        else
        {
            access.Role = ProjectRole.Admin;
        }
    }
}
