namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Access.Tokens;

internal sealed class ApiTokenRepository(IDbContextFactory<PortalDbContext> contexts) : IApiTokenRepository
{
    public async Task AddAsync(ApiToken token, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<int> CountUsableAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ApiTokens.CountAsync(t => t.UserId == userId && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now), cancellationToken);
    }

    public Task<IReadOnlyList<ApiToken>> ListAsync(string userId, CancellationToken cancellationToken) =>
        ListForUsersAsync([userId], cancellationToken);

    public async Task<IReadOnlyList<ApiToken>> ListForUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ApiTokens.AsNoTracking().Where(t => userIds.Contains(t.UserId))
            .OrderByDescending(t => t.CreatedAt).ThenBy(t => t.Id)
            .ToListAsync(cancellationToken);
    }

    public async Task<OwnedToken?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ApiTokens.AsNoTracking()
            .Where(t => t.SecretHash == secretHash)
            .Join(db.Users, t => t.UserId, u => u.Id, (t, u) => new OwnedToken(t, u.DisplayName))
            .FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<ApiToken?> RevokeAsync(string userId, string tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.ApiTokens.Where(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.RevokedAt, now), cancellationToken);
        return await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, cancellationToken);
    }

    public async Task RecordUseAsync(string tokenId, DateTimeOffset now, string? from, DateTimeOffset notSince, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);

        // The condition is in the UPDATE itself, so concurrent requests on several nodes still write once per interval.
        await db.ApiTokens.Where(t => t.Id == tokenId && (t.LastUsedAt == null || t.LastUsedAt <= notSince))
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.LastUsedAt, now).SetProperty(t => t.LastUsedFrom, from), cancellationToken);
    }
}
