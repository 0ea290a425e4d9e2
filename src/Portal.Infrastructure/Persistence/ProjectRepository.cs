namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Projects;

internal sealed class ProjectRepository(IDbContextFactory<PortalDbContext> contexts) : IProjectRepository
{
    public async Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Projects.AsNoTracking().OrderBy(p => p.Title).ToListAsync(cancellationToken);
    }

    public async Task<Project?> FindProjectAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, cancellationToken);
    }

    public async Task<IReadOnlyList<ProjectEnvironment>> ListEnvironmentsAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Environments.AsNoTracking().Include(e => e.Services)
            .Where(e => e.ProjectId == projectId).OrderBy(e => e.Name).ToListAsync(cancellationToken);
    }

    public async Task<ProjectEnvironment?> FindEnvironmentAsync(string projectId, string environmentName, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Environments.AsNoTracking().Include(e => e.Services)
            .FirstOrDefaultAsync(e => e.ProjectId == projectId && e.Name == environmentName, cancellationToken);
    }

    public async Task<EffectiveRoles> GetRolesAsync(string userId, string projectId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var projectRole = await db.ProjectAccess.AsNoTracking()
            .Where(a => a.ProjectId == projectId && a.UserId == userId)
            .Select(a => (ProjectRole?)a.Role).FirstOrDefaultAsync(cancellationToken);
        var typeRoles = await db.EnvironmentTypeAccess.AsNoTracking()
            .Where(a => a.ProjectId == projectId && a.UserId == userId)
            .ToDictionaryAsync(a => a.EnvironmentType, a => a.Role, cancellationToken);
        return new EffectiveRoles(projectRole, typeRoles);
    }

    public async Task<IReadOnlyDictionary<string, EffectiveRoles>> GetRolesByProjectAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var projectRoles = await db.ProjectAccess.AsNoTracking().Where(a => a.UserId == userId)
            .ToDictionaryAsync(a => a.ProjectId, a => a.Role, StringComparer.Ordinal, cancellationToken);
        var typeRoles = (await db.EnvironmentTypeAccess.AsNoTracking().Where(a => a.UserId == userId).ToListAsync(cancellationToken))
            .ToLookup(a => a.ProjectId, StringComparer.Ordinal);
        return projectRoles.Keys.Union(typeRoles.Select(g => g.Key), StringComparer.Ordinal).ToDictionary(
            id => id,
            id => new EffectiveRoles(projectRoles.TryGetValue(id, out var role) ? role : null,
                typeRoles[id].ToDictionary(a => a.EnvironmentType, a => a.Role)),
            StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<ProjectEnvironment>> ListEnvironmentsWithoutServicesAsync(
        IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Environments.AsNoTracking()
            .Where(e => projectIds.Contains(e.ProjectId)).OrderBy(e => e.Name).ToListAsync(cancellationToken);
    }
}
