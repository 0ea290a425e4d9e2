namespace Portal.Web.Api;

using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Core.Access.Tokens;
using Portal.Web.Identity;

/// <summary>The caller's own personal API tokens: create (the secret is shown in that answer only), list, revoke.</summary>
internal static class TokenApi
{
    public static RouteGroupBuilder MapTokenApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/me/tokens").WithTags(ApiDescriptions.Tags.Tokens)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        tokens.MapPost("/", CreateAsync)
            .WithSummary("Create a personal API token")
            .WithDescription("The answer holds the secret (portal_…), the only time it is ever shown. 'expires_in_days' left out is 90 days, 0 is never. "
                + "Needs a browser session or a token that is not read-only.")
            .WithJsonBody<CreateTokenRequest>()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        tokens.MapGet("/", ListAsync)
            .WithSummary("List your personal API tokens")
            .WithDescription("Newest first, revoked and expired ones included; never the secrets, only their first characters.");
        tokens.MapDelete("/{tokenId}", RevokeAsync)
            .WithSummary("Revoke one of your personal API tokens")
            .WithDescription("It is refused from its next call on. Revoking it again changes nothing.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Created<CreatedTokenDto>> CreateAsync(
        JsonBody<CreateTokenRequest> body, CurrentActor me, ApiTokenService service, CancellationToken ct)
    {
        var request = body.Value;
        var (token, secret) = await service.CreateAsync(await me.GetAsync(), request.Name, request.ExpiresInDays, request.ReadOnly, ct);
        return TypedResults.Created($"/api/me/tokens/{token.Id}", new CreatedTokenDto(token.Id, token.Name, secret, token.ExpiresAt, token.ReadOnly));
    }

    private static async Task<Ok<TokenDto[]>> ListAsync(CurrentActor me, ApiTokenService service, CancellationToken ct) =>
        TypedResults.Ok((await service.ListAsync(await me.GetAsync(), ct)).Select(ToDto).ToArray());

    private static async Task<Ok<TokenDto>> RevokeAsync(string tokenId, CurrentActor me, ApiTokenService service, CancellationToken ct) =>
        TypedResults.Ok(ToDto(await service.RevokeAsync(await me.GetAsync(), tokenId, ct)));

    public static TokenDto ToDto(ApiToken t) =>
        new(t.Id, t.Name, t.CreatedAt, t.ExpiresAt, t.ReadOnly, t.LastUsedAt, t.LastUsedFrom, t.RevokedAt, t.Prefix);
}
