namespace Portal.Infrastructure.Tests.Access;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Access.Tokens;
using Portal.Core.Common;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Tests.Support;

/// <summary>Tokens through the application layer on each provider, with time under the test's control.</summary>
public sealed class ApiTokenServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_token_works_until_its_90_days_are_over_and_is_then_refused_saying_when_it_expired(string provider)
    {
        await using var setup = await Setup.StartAsync(provider);
        var (time, tokens, ct) = (setup.Time, setup.Tokens, TestContext.Current.CancellationToken);
        var (created, secret) = await tokens.CreateAsync(PortalTestHost.Bob, " nightly cron ", null, readOnly: false, ct);

        time.Advance(TimeSpan.FromDays(90) - TimeSpan.FromSeconds(1));
        var valid = await tokens.AuthenticateAsync(secret, "10.0.0.7", ct);
        time.Advance(TimeSpan.FromSeconds(1));
        var expired = await tokens.AuthenticateAsync(secret, "10.0.0.7", ct);

        Assert.Equal("nightly cron", created.Name);
        Assert.Equal(DemoSeeder.ContributorUserId, valid.Owner!.Token.UserId);
        Assert.Equal("Bob", valid.Owner.OwnerName);
        Assert.Equal(TokenRejectionKind.Expired, expired.Rejection!.Kind);
        Assert.Contains("expired on 2027-03-02 09:00:00 UTC", expired.Rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Only_the_hash_is_stored_and_a_use_is_recorded_at_most_once_a_minute_with_its_address(string provider)
    {
        await using var setup = await Setup.StartAsync(provider);
        var (time, tokens, ct) = (setup.Time, setup.Tokens, TestContext.Current.CancellationToken);
        var (_, secret) = await tokens.CreateAsync(PortalTestHost.Alice, "ci", 0, readOnly: true, ct);

        await tokens.AuthenticateAsync(secret, "10.0.0.1", ct);
        time.Advance(TimeSpan.FromSeconds(30));
        await tokens.AuthenticateAsync(secret, "10.0.0.2", ct);
        var afterHalfAMinute = Assert.Single(await tokens.ListAsync(PortalTestHost.Alice, ct));
        time.Advance(TimeSpan.FromSeconds(30));
        await tokens.AuthenticateAsync(secret, "10.0.0.3", ct);
        var afterAMinute = Assert.Single(await tokens.ListAsync(PortalTestHost.Alice, ct));

        Assert.Equal((Start, "10.0.0.1"), (afterHalfAMinute.LastUsedAt, afterHalfAMinute.LastUsedFrom));
        Assert.Equal((Start.AddMinutes(1), "10.0.0.3"), (afterAMinute.LastUsedAt, afterAMinute.LastUsedFrom));
        Assert.Null(afterAMinute.ExpiresAt);
        Assert.True(afterAMinute.ReadOnly);
        Assert.Equal(ApiTokenRules.Hash(secret), afterAMinute.SecretHash);
        Assert.StartsWith(afterAMinute.Prefix, secret, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_user_revokes_only_their_own_tokens_and_a_revoked_one_is_refused_saying_when(string provider)
    {
        await using var setup = await Setup.StartAsync(provider);
        var (time, tokens, ct) = (setup.Time, setup.Tokens, TestContext.Current.CancellationToken);
        var (bobs, secret) = await tokens.CreateAsync(PortalTestHost.Bob, "laptop", 30, readOnly: false, ct);

        var byAlice = await Assert.ThrowsAsync<PortalRefusedException>(() => tokens.RevokeAsync(PortalTestHost.Alice, bobs.Id, ct));
        time.Advance(TimeSpan.FromHours(1));
        var revoked = await tokens.RevokeAsync(PortalTestHost.Bob, bobs.Id, ct);
        time.Advance(TimeSpan.FromHours(1));
        var again = await tokens.RevokeAsync(PortalTestHost.Bob, bobs.Id, ct);
        var refused = await tokens.AuthenticateAsync(secret, null, ct);

        Assert.Equal(RefusalCode.TokenNotFound, byAlice.Code);
        Assert.Equal(Start.AddHours(1), revoked.RevokedAt);
        Assert.Equal(Start.AddHours(1), again.RevokedAt);
        Assert.Equal(TokenRejectionKind.Revoked, refused.Rejection!.Kind);
        Assert.Contains("revoked on 2026-12-02 10:00:00 UTC", refused.Rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_project_admin_sees_each_members_tokens_and_a_viewer_is_refused(string provider)
    {
        await using var setup = await Setup.StartAsync(provider);
        var (tokens, ct) = (setup.Tokens, TestContext.Current.CancellationToken);
        await tokens.CreateAsync(PortalTestHost.Bob, "bob's cron", null, readOnly: false, ct);
        await tokens.CreateAsync(PortalTestHost.Carol, "carol's report", null, readOnly: true, ct);

        var seen = await tokens.ListMemberTokensAsync(PortalTestHost.Alice, DemoSeeder.ProjectId, ct);
        var byViewer = await Assert.ThrowsAsync<PortalRefusedException>(() => tokens.ListMemberTokensAsync(PortalTestHost.Carol, DemoSeeder.ProjectId, ct));

        Assert.Equal(["Bob: bob's cron", "Carol: carol's report"], seen.Select(t => $"{t.DisplayName}: {t.Token.Name}").Order(StringComparer.Ordinal));
        Assert.Equal(RefusalCode.MissingRole, byViewer.Code);
    }

    /// <summary>Portal's services on a fresh database of the provider, at <see cref="Start"/> on a clock the test moves.</summary>
    private sealed class Setup(TestDatabase database, PortalTestHost host, AsyncServiceScope scope, FakeTimeProvider time) : IAsyncDisposable
    {
        public FakeTimeProvider Time => time;

        public ApiTokenService Tokens => host.Scoped<ApiTokenService>(scope);

        public static async Task<Setup> StartAsync(string provider)
        {
            var time = new FakeTimeProvider(Start);
            var database = await TestDatabase.CreateAsync(provider);
            var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 1);
            return new Setup(database, host, host.Services.CreateAsyncScope(), time);
        }

        public async ValueTask DisposeAsync()
        {
            await scope.DisposeAsync();
            await host.DisposeAsync();
            await database.DisposeAsync();
        }
    }
}
