namespace Portal.Contracts;

/// <summary>A personal API token a user creates for scripts; sent as <c>Authorization: Bearer portal_…</c>.</summary>
public sealed record CreateTokenRequest
{
    public string? Name { get; init; }
    public int? ExpiresInDays { get; init; }
    public bool ReadOnly { get; init; }
}

/// <summary>The answer to creating a token: the only time <see cref="Token"/> is ever shown.</summary>
public sealed record CreatedTokenDto(string Id, string Name, string Token, DateTimeOffset? ExpiresAt, bool ReadOnly);

/// <summary>A token as its owner lists it: never the secret, only its first characters (<see cref="Prefix"/>) to tell tokens apart.</summary>
public sealed record TokenDto(
    string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, bool ReadOnly,
    DateTimeOffset? LastUsedAt, string? LastUsedFrom, DateTimeOffset? RevokedAt, string Prefix);
