namespace Portal.Api.Tests;

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Infrastructure.Demo;

/// <summary>Sessions live on the server: sign-out, "sign out everywhere" and losing the last role end them at the next request.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private const string Projects = "/api/projects";
    private static readonly Actor Alice = new(DemoSeeder.AdminUserId, "Alice");

    private readonly PortalFactory _factory = new();

    public async ValueTask InitializeAsync()
    {
        _ = _factory.Server;
        await _factory.SeedMatrixUsersAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    [Fact]
    public async Task SignOutEndsTheSessionForACopiedCookie()
    {
        var ct = TestContext.Current.CancellationToken;
        var (browser, cookie) = await SignInAsync(DemoSeeder.ViewerUserId, ct);
        using var copy = WithCookie(cookie);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync(Projects, ct)).StatusCode);

        await SignOutAsync(browser, ct);

        using var afterwards = await copy.GetAsync(Projects, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, afterwards.StatusCode);
        using var page = await WithCookie(cookie).GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/local-login", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        browser.Dispose();
    }

    [Fact]
    public async Task Signing_out_in_one_browser_leaves_the_users_other_browsers_signed_in()
    {
        var ct = TestContext.Current.CancellationToken;
        var (laptop, _) = await SignInAsync(DemoSeeder.ViewerUserId, ct);
        var (phone, _) = await SignInAsync(DemoSeeder.ViewerUserId, ct);

        await SignOutAsync(laptop, ct);

        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.GetAsync(Projects, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync(Projects, ct)).StatusCode);
        laptop.Dispose();
        phone.Dispose();
    }

    [Fact]
    public async Task An_admins_sign_out_everywhere_through_the_API_ends_every_session_of_the_member_and_is_recorded()
    {
        var ct = TestContext.Current.CancellationToken;
        var (laptop, _) = await SignInAsync(DemoSeeder.ContributorUserId, ct);
        var (phone, _) = await SignInAsync(DemoSeeder.ContributorUserId, ct);
        var (admin, _) = await SignInAsync(DemoSeeder.AdminUserId, ct);

        using var response = await admin.SendAsync(EndSessions(DemoSeeder.ContributorUserId), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var activity = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        Assert.Equal("Alice signed Bob out everywhere (2 sessions ended)", activity.GetProperty("text").GetString());
        Assert.Equal("project.access.update", activity.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.GetAsync(Projects, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync(Projects, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Projects, ct)).StatusCode);

        // Bob keeps his roles: signing in again works.
        var (again, _) = await SignInAsync(DemoSeeder.ContributorUserId, ct);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"{Projects}/demo-shop/environments", ct)).StatusCode);
        foreach (var client in new[] { laptop, phone, admin, again })
        {
            client.Dispose();
        }
    }

    [Theory]
    [InlineData(DemoSeeder.ContributorUserId, DemoSeeder.AdminUserId, 403, "You need the Admin role on the project to sign members out; your project role is viewer.")]
    [InlineData(DemoSeeder.AdminUserId, PortalFactory.NoRoleId, 404, "User 'dave' is not a member of project 'demo-shop'.")]
    [InlineData(DemoSeeder.AdminUserId, "nobody", 404, "User 'nobody' is not a member of project 'demo-shop'.")]
    [InlineData(DemoSeeder.AdminUserId, "bob%0A", 404, "User 'bob\n' is not a member of project 'demo-shop'.")]
    public async Task Sign_out_everywhere_is_for_project_admins_and_members_only(string caller, string target, int status, string detail)
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, _) = await SignInAsync(caller, ct);

        using var response = await client.SendAsync(EndSessions(target), ct);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(detail, JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("detail").GetString());
        client.Dispose();
    }

    [Fact]
    public async Task Removing_a_members_last_role_ends_their_sessions_and_changing_a_role_does_not()
    {
        var ct = TestContext.Current.CancellationToken;
        var (bob, _) = await SignInAsync(DemoSeeder.ContributorUserId, ct);
        var (erin, _) = await SignInAsync(PortalFactory.EnvironmentAdminId, ct);
        await using var scope = _factory.Services.CreateAsyncScope();
        var access = scope.ServiceProvider.GetRequiredService<UserAccessService>();

        // Bob still has other roles after this change, so he stays signed in; Erin loses her only role.
        await access.SetEnvironmentRoleAsync(Alice, DemoSeeder.ProjectId, DemoSeeder.ContributorUserId, EnvironmentType.Development, EnvironmentRole.Viewer, ct);
        await access.SetEnvironmentRoleAsync(Alice, DemoSeeder.ProjectId, PortalFactory.EnvironmentAdminId, EnvironmentType.Development, null, ct);

        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync(Projects, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await erin.GetAsync(Projects, ct)).StatusCode);
        bob.Dispose();
        erin.Dispose();
    }

    private async Task<(HttpClient Client, string Cookie)> SignInAsync(string userId, CancellationToken cancellationToken)
    {
        var client = _factory.CreateClient();
        using var response = await client.GetAsync($"/account/local-login?user={userId}&returnUrl=/", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Portal=", StringComparison.Ordinal));
        return (client, cookie[..cookie.IndexOf(';', StringComparison.Ordinal)]);
    }

    /// <summary>Another browser holding a copy of the cookie (a client with no cookies of its own, the header set by hand).</summary>
    private HttpClient WithCookie(string cookie)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Cookie", cookie);
        return client;
    }

    private static async Task SignOutAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var signOut = await PortalFactory.SignOutAsync(client, "/", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
    }

    private static HttpRequestMessage EndSessions(string userId)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"{Projects}/{DemoSeeder.ProjectId}/members/{userId}/sessions");
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        return request;
    }
}
