namespace Portal.Api.Tests;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Infrastructure.Demo;

/// <summary>
/// Personal API tokens through the HTTP pipeline: created in a browser session, then used alone as a script would; each way a
/// token can be wrong answers its own 4xx and says why.
/// </summary>
public sealed class ApiTokenTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    public const string Tokens = "/api/me/tokens";
    private const string Projects = "/api/projects";
    private const string DevelopBranch = $"/api/projects/{DemoSeeder.ProjectId}/environments/develop-branch";
    private const string NotSignedIn = "You are not signed in: send a personal API token as 'Authorization: Bearer portal_…' (create one on Portal's API tokens page), "
        + "or sign in to Portal in a browser and call the API with the session cookie.";

    private const string ScriptAddress = "203.0.113.7";

    private readonly PortalFactory _factory = host.Factory;

    [Fact]
    public async Task A_token_made_in_a_browser_session_is_shown_once_and_acts_as_its_user_without_a_CSRF_header()
    {
        var ct = TestContext.Current.CancellationToken;
        using var browser = await _factory.SignedInClientAsync(DemoSeeder.ContributorUserId, ct);

        var created = await CreateAsync(browser, """{"name":"nightly cron"}""", ct);
        using var script = WithToken(_factory, created.GetProperty("token").GetString()!);
        using var projects = await script.GetAsync(Projects, ct);
        using var second = await script.PostAsync(Tokens, Json("""{"name":"made by a token","expires_in_days":0}"""), ct);
        var listed = JsonDocument.Parse(await browser.GetStringAsync(Tokens, ct)).RootElement;

        Assert.StartsWith("portal_", created.GetProperty("token").GetString(), StringComparison.Ordinal);
        Assert.InRange(created.GetProperty("expires_at").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddDays(89.9), DateTimeOffset.UtcNow.AddDays(90));
        Assert.Equal(HttpStatusCode.OK, projects.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(["made by a token", "nightly cron"], listed.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var used = listed.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "nightly cron");
        Assert.False(used.TryGetProperty("token", out _));
        Assert.StartsWith(used.GetProperty("prefix").GetString()!, created.GetProperty("token").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, used.GetProperty("last_used_at").ValueKind);
        Assert.Equal(ScriptAddress, used.GetProperty("last_used_from").GetString());
        Assert.Equal(JsonValueKind.Null, listed[0].GetProperty("expires_at").ValueKind);
    }

    [Fact]
    public async Task A_call_without_credentials_is_told_it_may_send_a_token_or_a_session()
    {
        using var response = await _factory.CreateClient().GetAsync(Projects, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, NotSignedIn);
    }

    [Theory]
    [InlineData("Bearer not-a-token", "The bearer token is not a well-formed Portal API token: it must be 'portal_' followed by 43 base64url characters, as shown once when it was created.")]
    [InlineData("Bearer portal_abc", "The bearer token is not a well-formed Portal API token: it must be 'portal_' followed by 43 base64url characters, as shown once when it was created.")]
    [InlineData("Bearer", "The Authorization header must be 'Bearer ' followed by a personal API token (portal_…).")]
    [InlineData("Basic YWxpY2U6c2VjcmV0", "The Authorization header must be 'Bearer ' followed by a personal API token (portal_…).")]
    public async Task A_malformed_authorization_header_is_refused_saying_what_a_token_looks_like(string header, string detail)
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);

        using var response = await client.GetAsync(Projects, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, detail);
    }

    [Fact]
    public async Task A_well_formed_token_Portal_never_issued_is_refused_as_unknown()
    {
        using var client = WithToken(_factory, "portal_" + new string('A', 43));

        using var response = await client.GetAsync(Projects, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "This API token is not known to Portal: check that it was copied whole, or create a new one.");
    }

    [Fact]
    public async Task A_revoked_token_is_refused_from_its_next_call_saying_when_it_was_revoked()
    {
        var ct = TestContext.Current.CancellationToken;
        using var browser = await _factory.SignedInClientAsync(DemoSeeder.ViewerUserId, ct);
        var created = await CreateAsync(browser, """{"name":"old laptop"}""", ct);
        using var script = WithToken(_factory, created.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync(Projects, ct)).StatusCode);

        using var revoke = await browser.SendAsync(Csrf(new HttpRequestMessage(HttpMethod.Delete, $"{Tokens}/{created.GetProperty("id").GetString()}")), ct);
        var revokedAt = JsonDocument.Parse(await revoke.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("revoked_at").GetDateTimeOffset();
        using var afterwards = await script.GetAsync(Projects, ct);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await AssertProblemAsync(afterwards, HttpStatusCode.Unauthorized,
            $"This API token ('old laptop', {created.GetProperty("token").GetString()![..13]}…) was revoked on {revokedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; create a new one.");
    }

    [Fact]
    public async Task Another_users_token_cannot_be_revoked_and_answers_as_not_found()
    {
        var ct = TestContext.Current.CancellationToken;
        // Carol owns it, not Bob: the class shares one Portal, and another test lists Bob's tokens exactly.
        using var carol = await _factory.SignedInClientAsync(DemoSeeder.ViewerUserId, ct);
        using var bob = await _factory.SignedInClientAsync(DemoSeeder.ContributorUserId, ct);
        var id = (await CreateAsync(carol, """{"name":"carol's"}""", ct)).GetProperty("id").GetString();

        using var response = await bob.SendAsync(Csrf(new HttpRequestMessage(HttpMethod.Delete, $"{Tokens}/{id}")), ct);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, $"You have no API token with the id '{id}'.");
    }

    [Fact]
    public async Task A_read_only_token_reads_but_is_refused_any_change_including_making_a_token()
    {
        var ct = TestContext.Current.CancellationToken;
        using var browser = await _factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        var created = await CreateAsync(browser, """{"name":"dashboard","read_only":true}""", ct);
        using var script = WithToken(_factory, created.GetProperty("token").GetString()!);

        using var read = await script.GetAsync($"{DevelopBranch}/snapshots", ct);
        using var snapshot = await script.PostAsync($"{DevelopBranch}/snapshots", Json("""{"live":true}"""), ct);
        using var token = await script.PostAsync(Tokens, Json("""{"name":"escalate"}"""), ct);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.True(created.GetProperty("read_only").GetBoolean());
        await AssertProblemAsync(snapshot, HttpStatusCode.Forbidden,
            $"This API token is read-only: it may only read (GET). POST {DevelopBranch}/snapshots needs a token that is not read-only, or a browser session.");
        await AssertProblemAsync(token, HttpStatusCode.Forbidden,
            $"This API token is read-only: it may only read (GET). POST {Tokens} needs a token that is not read-only, or a browser session.");
    }

    [Fact]
    public async Task A_role_an_admin_takes_away_counts_at_the_tokens_next_call()
    {
        var ct = TestContext.Current.CancellationToken;
        using var browser = await _factory.SignedInClientAsync(PortalFactory.EnvironmentAdminId, ct);
        using var script = WithToken(_factory, (await CreateAsync(browser, """{"name":"erin's cron"}""", ct)).GetProperty("token").GetString()!);
        var before = JsonDocument.Parse(await script.GetStringAsync(DevelopBranch, ct)).RootElement;

        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAccessService>().SetEnvironmentRoleAsync(
                new Actor(DemoSeeder.AdminUserId, "Alice"), DemoSeeder.ProjectId, PortalFactory.EnvironmentAdminId, EnvironmentType.Development, EnvironmentRole.Viewer, ct);
        }

        using var create = await script.PostAsync($"{DevelopBranch}/snapshots", Json("""{"live":true}"""), ct);

        Assert.True(before.GetProperty("can_snapshot").GetBoolean());
        await AssertProblemAsync(create, HttpStatusCode.Forbidden,
            "You need the Admin role on development environments to create snapshots; your role there is viewer.");
    }

    [Theory]
    [InlineData("""{"expires_in_days":30}""", "Give the token a 'name' that says what uses it, e.g. \"nightly snapshot cron\".")]
    [InlineData("""{"name":"x","expires_in_days":-1}""", "'expires_in_days' must be a whole number of days from 1 to 3650, 0 for a token that never expires, or left out for 90 days.")]
    [InlineData("""{"name":"x","expires_in_days":"soon"}""", "The field 'expires_in_days' must be a whole number or null.")]
    [InlineData("""{"name":"x","scopes":["all"]}""", "Unknown field 'scopes': the fields are name, expires_in_days, read_only.")]
    public async Task A_bad_token_request_is_refused_naming_the_field(string body, string detail)
    {
        var ct = TestContext.Current.CancellationToken;
        using var browser = await _factory.SignedInClientAsync(DemoSeeder.ViewerUserId, ct);

        using var response = await browser.SendAsync(Csrf(new HttpRequestMessage(HttpMethod.Post, Tokens) { Content = Json(body) }), ct);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task An_expired_token_is_refused_saying_when_it_expired()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var portal = new PortalFactory { TestServices = services => services.AddSingleton<TimeProvider>(time) };
        using var browser = await portal.SignedInClientAsync(DemoSeeder.ViewerUserId, ct);
        var created = await CreateAsync(browser, """{"name":"one day","expires_in_days":1}""", ct);
        var expiresAt = created.GetProperty("expires_at").GetDateTimeOffset();
        using var script = WithToken(portal, created.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync(Projects, ct)).StatusCode);

        time.Advance(TimeSpan.FromDays(1));
        using var response = await script.GetAsync(Projects, ct);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized,
            $"This API token ('one day', {created.GetProperty("token").GetString()![..13]}…) expired on {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; create a new one.");
    }

    /// <summary>Creates a token through the API in the client's browser session and returns the answer (id, token, expires_at…).</summary>
    private static async Task<JsonElement> CreateAsync(HttpClient browser, string body, CancellationToken ct)
    {
        using var response = await browser.SendAsync(Csrf(new HttpRequestMessage(HttpMethod.Post, Tokens) { Content = Json(body) }), ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();
    }

    /// <summary>A client with no cookie that sends the token, as a script on <see cref="ScriptAddress"/> does.</summary>
    private static HttpClient WithToken(PortalFactory factory, string token)
    {
        var handler = factory.Server.CreateHandler(context => context.Connection.RemoteIpAddress = IPAddress.Parse(ScriptAddress));
        var client = new HttpClient(handler) { BaseAddress = new Uri("https://localhost") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Csrf(HttpRequestMessage request)
    {
        request.Headers.Add("X-Requested-With", "test");
        return request;
    }
}
