namespace Portal.Core.Access.Tokens;

/// <summary>
/// A personal API token: a script acts as <see cref="UserId"/> with that user's roles at each call. Only the SHA-256 of the
/// secret is kept; <see cref="Prefix"/> (the secret's first characters) lets the owner tell tokens apart.
/// </summary>
public sealed class ApiToken
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    public required string Name { get; init; }
    public required string Prefix { get; init; }

    /// <summary>Lowercase hex SHA-256 of the whole secret (<c>portal_…</c>).</summary>
    public required string SecretHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Null: the owner chose a token that never expires.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>A read-only token may only read (GET, HEAD).</summary>
    public bool ReadOnly { get; init; }

    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>The remote address of the last recorded use.</summary>
    public string? LastUsedFrom { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A token with its owner's display name, as authentication needs it.</summary>
public sealed record OwnedToken(ApiToken Token, string OwnerName);

/// <summary>A project member's token, for the project admin's view of token use (no secret, no hash).</summary>
public sealed record MemberToken(string UserId, string DisplayName, ApiToken Token);

/// <summary>Stored tokens; written only through <see cref="ApiTokenService"/>.</summary>
public interface IApiTokenRepository
{
    Task AddAsync(ApiToken token, CancellationToken cancellationToken);

    /// <summary>How many of the user's tokens are neither revoked nor expired at <paramref name="now"/>.</summary>
    Task<int> CountUsableAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The user's tokens, newest first, revoked and expired ones included.</summary>
    Task<IReadOnlyList<ApiToken>> ListAsync(string userId, CancellationToken cancellationToken);

    /// <summary>The tokens of the given users, newest first.</summary>
    Task<IReadOnlyList<ApiToken>> ListForUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken);

    Task<OwnedToken?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken);

    /// <summary>Sets the revocation time of the user's token unless already revoked; null when the user has no such token.</summary>
    Task<ApiToken?> RevokeAsync(string userId, string tokenId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records a use unless one was recorded after <paramref name="notSince"/>, so that busy tokens write at most once per interval.</summary>
    Task RecordUseAsync(string tokenId, DateTimeOffset now, string? from, DateTimeOffset notSince, CancellationToken cancellationToken);
}
