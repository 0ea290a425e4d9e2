namespace Portal.Core.Access.Tokens;

using Portal.Core.Common;

/// <summary>The outcome of presenting a token: its owner, or why it does not count.</summary>
public sealed record TokenAuthentication(OwnedToken? Owner, TokenRejection? Rejection);

/// <summary>
/// Personal API tokens: users create, list and revoke their own; authentication checks a presented secret; project admins
/// see their members' token use. The secret exists only in the answer to <see cref="CreateAsync"/>.
/// </summary>
public sealed class ApiTokenService(IApiTokenRepository tokens, IUserAccessRepository access, AccessGuard guard, TimeProvider time)
{
    public async Task<(ApiToken Token, string Secret)> CreateAsync(
        Actor actor, string? name, int? expiresInDays, bool readOnly, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var validName = ApiTokenRules.ValidName(name);
        var expiresAt = ApiTokenRules.ExpiresAt(now, expiresInDays);
        if (await tokens.CountUsableAsync(actor.UserId, now, cancellationToken) >= ApiTokenRules.MaxUsableTokensPerUser)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.InvalidInput,
                $"You already have {ApiTokenRules.MaxUsableTokensPerUser} usable API tokens; revoke one you no longer need first."));
        }

        if (await access.FindUserAsync(actor.UserId, cancellationToken) is null)
        {
            // A provider's bearer token can name someone who never signed in; a token must belong to a user Portal knows.
            throw new PortalRefusedException(new Refusal(RefusalCode.MissingRole,
                "Portal does not know you yet: sign in to Portal in a browser once, then create API tokens."));
        }

        var secret = ApiTokenRules.NewSecret();
        var token = new ApiToken
        {
            Id = PortalIds.New(),
            UserId = actor.UserId,
            Name = validName,
            Prefix = ApiTokenRules.DisplayPrefix(secret),
            SecretHash = ApiTokenRules.Hash(secret),
            CreatedAt = now,
            ExpiresAt = expiresAt,
            ReadOnly = readOnly,
        };
        await tokens.AddAsync(token, cancellationToken);
        return (token, secret);
    }

    public Task<IReadOnlyList<ApiToken>> ListAsync(Actor actor, CancellationToken cancellationToken) =>
        tokens.ListAsync(actor.UserId, cancellationToken);

    /// <summary>Revokes one of the actor's own tokens (again is harmless); another user's token answers as not found.</summary>
    public async Task<ApiToken> RevokeAsync(Actor actor, string tokenId, CancellationToken cancellationToken) =>
        (PortalIds.IsWellFormed(tokenId) ? await tokens.RevokeAsync(actor.UserId, tokenId, time.GetUtcNow(), cancellationToken) : null)
        ?? throw new PortalRefusedException(new Refusal(RefusalCode.TokenNotFound, $"You have no API token with the id {Refusal.Quote(tokenId)}."));

    /// <summary>Checks a presented secret and records its use (at most once a minute per token).</summary>
    public async Task<TokenAuthentication> AuthenticateAsync(string presented, string? remoteAddress, CancellationToken cancellationToken)
    {
        if (!ApiTokenRules.IsWellFormed(presented))
        {
            return Rejected(TokenRejectionKind.Malformed,
                $"The bearer token is not a well-formed Portal API token: it must be '{ApiTokenRules.SecretPrefix}' followed by "
                + $"{ApiTokenRules.SecretLength - ApiTokenRules.SecretPrefix.Length} base64url characters, as shown once when it was created.");
        }

        var owned = await tokens.FindBySecretHashAsync(ApiTokenRules.Hash(presented), cancellationToken);
        if (owned is null)
        {
            return Rejected(TokenRejectionKind.Unknown, "This API token is not known to Portal: check that it was copied whole, or create a new one.");
        }

        var now = time.GetUtcNow();
        if (ApiTokenRules.Check(owned.Token, now) is { } rejection)
        {
            return new TokenAuthentication(null, rejection);
        }

        if (ApiTokenRules.ShouldRecordUse(owned.Token, now))
        {
            await tokens.RecordUseAsync(owned.Token.Id, now, remoteAddress, now - ApiTokenRules.UseRecordInterval, cancellationToken);
        }

        return new TokenAuthentication(owned, null);
    }

    /// <summary>
    /// Each project member's tokens (names, prefixes, dates, last use; never secrets), for the project's admins: a token acts on
    /// every project its owner may reach, so its use concerns them.
    /// </summary>
    public async Task<IReadOnlyList<MemberToken>> ListMemberTokensAsync(Actor actor, string projectId, CancellationToken cancellationToken)
    {
        var roles = await guard.RequireProjectAsync(actor, projectId, cancellationToken);
        if (roles.ProjectRole != ProjectRole.Admin)
        {
            throw new PortalRefusedException(new Refusal(RefusalCode.MissingRole, "You need the Admin role on the project to see its members' API tokens."));
        }

        var members = (await access.ListMembersAsync(projectId, cancellationToken)).ToDictionary(m => m.UserId, StringComparer.Ordinal);
        var found = await tokens.ListForUsersAsync(members.Keys, cancellationToken);
        return [.. found.Select(t => new MemberToken(t.UserId, members[t.UserId].DisplayName, t))];
    }

    private static TokenAuthentication Rejected(TokenRejectionKind kind, string message) => new(null, new TokenRejection(kind, message));
}
