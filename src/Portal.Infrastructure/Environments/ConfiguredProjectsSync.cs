namespace Portal.Infrastructure.Environments;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Access;
using Portal.Core.Environments;
using Portal.Core.Projects;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Writes the declared projects into the metadata database at start: configuration wins for what it declares
/// (titles, types, plans, commands, the service list); environments it does not mention are left alone.
/// </summary>
internal sealed class ConfiguredProjectsSync(
    IDbContextFactory<PortalDbContext> contexts,
    IOptions<ConfiguredProjects> options,
    TimeProvider time,
    ILogger<ConfiguredProjectsSync> logger)
{
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Items.Count == 0)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        foreach (var definition in options.Value.Items)
        {
            var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == definition.Id, cancellationToken);
            if (project is null)
            {
                db.Projects.Add(new Project { Id = definition.Id, Title = Title(definition), CreatedAt = now });
            }
            else
            {
                project.Title = Title(definition);
            }

            var environments = await db.Environments.Include(e => e.Services)
                .Where(e => e.ProjectId == definition.Id).ToDictionaryAsync(e => e.Name, cancellationToken);
            foreach (var declared in definition.Environments)
            {
                if (!environments.TryGetValue(declared.Name, out var environment))
                {
                    environment = new ProjectEnvironment { ProjectId = definition.Id, Name = declared.Name, Title = declared.Name, CreatedAt = now };
                    db.Environments.Add(environment);
                }

                environment.Title = declared.Title ?? declared.Name;
                environment.ParentName = declared.Parent;
                environment.Type = declared.Type;
                environment.Plan = declared.Plan;
                if (environment.Status != EnvironmentStatus.Paused)
                {
                    environment.Status = declared.Status;
                }

                environment.PreSnapshotCommand = declared.PreSnapshotCommand;
                environment.PostSnapshotCommand = declared.PostSnapshotCommand;
                db.EnvironmentServices.RemoveRange(environment.Services);
                environment.Services.Clear();
                environment.Services.AddRange(declared.Services.Select(s => new EnvironmentService
                {
                    EnvironmentId = environment.Id,
                    Kind = s.Kind,
                    Name = s.Name,
                    Location = s.Location,
                }));
            }

            foreach (var admin in definition.Admins.Distinct(StringComparer.Ordinal))
            {
                await GrantAdminAsync(db, definition.Id, admin, cancellationToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Applied {Count} declared project(s) from configuration", options.Value.Items.Count);
    }

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

    private static string Title(ProjectDefinition definition) => string.IsNullOrWhiteSpace(definition.Title) ? definition.Id : definition.Title;
}
