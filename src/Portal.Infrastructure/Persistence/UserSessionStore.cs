namespace Portal.Infrastructure.Persistence;

using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Access;

/// <summary>Sessions as rows of the metadata database, so every node agrees on which ones still count.</summary>
internal sealed class UserSessionStore(IDbContextFactory<PortalDbContext> contexts, TimeProvider time) : IUserSessionStore
{
    // Writing the last use at every request would turn each page view into a write; a few minutes' precision is enough.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(5);

    public async Task<string> StartAsync(string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);

        // Sessions whose browser simply went away are removed here rather than by another background job.
        var idleSince = now - UserSession.IdleTimeout;
        await db.UserSessions.Where(s => s.LastSeenAt < idleSince).ExecuteDeleteAsync(cancellationToken);
        db.UserSessions.Add(new UserSession { Id = id, UserId = userId, CreatedAt = now, LastSeenAt = now });
        await db.SaveChangesAsync(cancellationToken);
        return id;
    }

    public async Task<bool> IsActiveAsync(string sessionId, string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var session = await db.UserSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (session is null || session.UserId != userId || now - session.LastSeenAt > UserSession.IdleTimeout)
        {
            return false;
        }

        if (now - session.LastSeenAt > TouchInterval)
        {
            await db.UserSessions.Where(s => s.Id == sessionId)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now), cancellationToken);
        }

        return true;
    }

    public async Task EndAsync(string sessionId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.UserSessions.Where(s => s.Id == sessionId).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task<int> EndAllAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.UserSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
    }
}
