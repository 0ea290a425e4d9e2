namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Access;
using Portal.Core.Environments;

internal sealed class UserAccessRepository(IDbContextFactory<PortalDbContext> contexts) : IUserAccessRepository
{
    public async Task<PortalUser?> FindUserAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
    }

    public async Task<IReadOnlyList<UserAccessEntry>> ListMembersAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var members = db.ProjectAccess.Where(a => a.ProjectId == projectId).Select(a => a.UserId)
            .Union(db.EnvironmentTypeAccess.Where(a => a.ProjectId == projectId).Select(a => a.UserId));
        var users = await db.Users.AsNoTracking().Where(u => members.Contains(u.Id)).ToListAsync(cancellationToken);
        var projectRoles = await db.ProjectAccess.AsNoTracking().Where(a => a.ProjectId == projectId)
            .ToDictionaryAsync(a => a.UserId, a => a.Role, cancellationToken);
        var typeRoles = (await db.EnvironmentTypeAccess.AsNoTracking().Where(a => a.ProjectId == projectId).ToListAsync(cancellationToken))
            .ToLookup(a => a.UserId);
        return [.. users
            .Select(u => new UserAccessEntry(u.Id, u.DisplayName, u.Email,
                projectRoles.TryGetValue(u.Id, out var role) ? role : null,
                typeRoles[u.Id].ToDictionary(a => a.EnvironmentType, a => a.Role)))
            .OrderBy(e => e.DisplayName, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<IReadOnlyList<PortalUser>> FindByIdOrEmailAsync(string userIdOrEmail, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var email = userIdOrEmail.ToLowerInvariant();
#pragma warning disable CA1862 // SQLite and PostgreSQL both translate ToLower(); string.Equals with a comparison is not translated.
        return await db.Users.AsNoTracking()
            .Where(u => u.Id == userIdOrEmail || (u.Email != null && u.Email.ToLower() == email))
#pragma warning restore CA1862
            .OrderBy(u => u.Id)
            .Take(2)
            .ToListAsync(cancellationToken);
    }

    public async Task<EnvironmentRole?> SetEnvironmentRoleAsync(
        string projectId, string userId, EnvironmentType type, EnvironmentRole? role, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.EnvironmentTypeAccess
            .FirstOrDefaultAsync(a => a.ProjectId == projectId && a.UserId == userId && a.EnvironmentType == type, cancellationToken);
        var previous = row?.Role;
        if (role is null)
        {
            if (row is not null)
            {
                db.EnvironmentTypeAccess.Remove(row);
            }
        }
        else if (row is null)
        {
            db.EnvironmentTypeAccess.Add(new EnvironmentTypeAccess { ProjectId = projectId, UserId = userId, EnvironmentType = type, Role = role.Value });
        }
        else
        {
            row.Role = role.Value;
        }

        await db.SaveChangesAsync(cancellationToken);
        return previous;
    }

    public async Task<ProjectRole?> SetProjectRoleAsync(string projectId, string userId, ProjectRole? role, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.ProjectAccess.FirstOrDefaultAsync(a => a.ProjectId == projectId && a.UserId == userId, cancellationToken);
        var previous = row?.Role;
        if (role is null)
        {
            if (row is not null)
            {
                db.ProjectAccess.Remove(row);
            }
        }
        else if (row is null)
        {
            db.ProjectAccess.Add(new ProjectAccess { ProjectId = projectId, UserId = userId, Role = role.Value });
        }
        else
        {
            row.Role = role.Value;
        }

        await db.SaveChangesAsync(cancellationToken);
        return previous;
    }

    public async Task UpsertSignInAsync(
        ExternalIdentity identity, IReadOnlyList<RoleGrant> grants, IReadOnlyCollection<string> replaceOnProjects, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == identity.UserId, cancellationToken);
        if (user is null)
        {
            db.Users.Add(new PortalUser { Id = identity.UserId, DisplayName = identity.DisplayName, Email = identity.Email });
        }
        else
        {
            user.DisplayName = identity.DisplayName;
            user.Email = identity.Email ?? user.Email;
        }

        var projectIds = grants.Select(g => g.ProjectId).Concat(replaceOnProjects).Distinct(StringComparer.Ordinal).ToList();
        var existingProjects = await db.Projects.Where(p => projectIds.Contains(p.Id)).Select(p => p.Id).ToListAsync(cancellationToken);
        var projectRows = await db.ProjectAccess.Where(a => a.UserId == identity.UserId && existingProjects.Contains(a.ProjectId)).ToListAsync(cancellationToken);
        var typeRows = await db.EnvironmentTypeAccess.Where(a => a.UserId == identity.UserId && existingProjects.Contains(a.ProjectId)).ToListAsync(cancellationToken);

        // A mapping may name a project that does not exist (yet): it is skipped rather than failing the sign-in.
        foreach (var grant in grants.Where(g => existingProjects.Contains(g.ProjectId)))
        {
            if (grant.ProjectRole is { } projectRole)
            {
                var row = projectRows.FirstOrDefault(a => a.ProjectId == grant.ProjectId);
                if (row is null)
                {
                    row = new ProjectAccess { ProjectId = grant.ProjectId, UserId = identity.UserId, Role = projectRole };
                    projectRows.Add(row);
                    db.ProjectAccess.Add(row);
                }

                row.Role = projectRole;
            }
            else if (grant is { EnvironmentType: { } type, EnvironmentRole: { } role })
            {
                var row = typeRows.FirstOrDefault(a => a.ProjectId == grant.ProjectId && a.EnvironmentType == type);
                if (row is null)
                {
                    row = new EnvironmentTypeAccess { ProjectId = grant.ProjectId, UserId = identity.UserId, EnvironmentType = type, Role = role };
                    typeRows.Add(row);
                    db.EnvironmentTypeAccess.Add(row);
                }

                row.Role = role;
            }
        }

        // The identity provider is the source of truth on these projects: what it no longer grants is revoked.
        foreach (var projectId in replaceOnProjects)
        {
            db.ProjectAccess.RemoveRange(projectRows.Where(a => a.ProjectId == projectId
                && !grants.Any(g => g.ProjectId == projectId && g.ProjectRole is not null)));
            db.EnvironmentTypeAccess.RemoveRange(typeRows.Where(a => a.ProjectId == projectId
                && !grants.Any(g => g.ProjectId == projectId && g.EnvironmentType == a.EnvironmentType && g.EnvironmentRole is not null)));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
