namespace Portal.Infrastructure.Tests.Access;

using Microsoft.Extensions.Time.Testing;
using Portal.Core.Access;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Tests.Support;

/// <summary>Server-side sessions on each provider: one ends alone, all of a user's end together, an idle one ends by itself.</summary>
public sealed class UserSessionStoreTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Ending_one_session_leaves_the_others_and_ending_all_ends_only_that_users(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;
        var sessions = host.Get<IUserSessionStore>();
        var laptop = await sessions.StartAsync(DemoSeeder.ContributorUserId, ct);
        var phone = await sessions.StartAsync(DemoSeeder.ContributorUserId, ct);
        var alice = await sessions.StartAsync(DemoSeeder.AdminUserId, ct);

        await sessions.EndAsync(laptop, ct);

        Assert.False(await sessions.IsActiveAsync(laptop, DemoSeeder.ContributorUserId, ct));
        Assert.True(await sessions.IsActiveAsync(phone, DemoSeeder.ContributorUserId, ct));
        Assert.False(await sessions.IsActiveAsync(phone, DemoSeeder.AdminUserId, ct)); // a session id is only good for its own user

        Assert.Equal(1, await sessions.EndAllAsync(DemoSeeder.ContributorUserId, ct));
        Assert.False(await sessions.IsActiveAsync(phone, DemoSeeder.ContributorUserId, ct));
        Assert.True(await sessions.IsActiveAsync(alice, DemoSeeder.AdminUserId, ct));
        Assert.NotEqual(laptop, phone);
        Assert.Equal(64, laptop.Length);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_session_used_within_its_idle_time_lives_on_and_one_left_idle_longer_ends(string provider)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;
        var sessions = host.Get<IUserSessionStore>();
        var used = await sessions.StartAsync(DemoSeeder.AdminUserId, ct);
        var idle = await sessions.StartAsync(DemoSeeder.ViewerUserId, ct);

        // Used every 5 hours: each use moves its idle clock, so 10 hours after sign-in it still counts.
        time.Advance(TimeSpan.FromHours(5));
        Assert.True(await sessions.IsActiveAsync(used, DemoSeeder.AdminUserId, ct));
        time.Advance(TimeSpan.FromHours(5));
        Assert.True(await sessions.IsActiveAsync(used, DemoSeeder.AdminUserId, ct));
        Assert.False(await sessions.IsActiveAsync(idle, DemoSeeder.ViewerUserId, ct));

        // The next sign-in removes sessions idle past their lifetime: only the new one is left to end.
        await sessions.StartAsync(DemoSeeder.ViewerUserId, ct);
        Assert.Equal(1, await sessions.EndAllAsync(DemoSeeder.ViewerUserId, ct));
    }
}
