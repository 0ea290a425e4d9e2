namespace Portal.Api.Tests;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portal.Infrastructure.Demo;

/// <summary>The built-in rate limiter over the API: one window per token, per browser user and per address without credentials.</summary>
public sealed class ApiRateLimitTests : IAsyncLifetime
{
    private const string Projects = "/api/projects";

    private readonly PortalFactory _factory = new(settings: new()
    {
        ["RateLimiting:PermitsPerMinute"] = "3",
        ["RateLimiting:AnonymousPermitsPerMinute"] = "2",
    });

    public ValueTask InitializeAsync()
    {
        _ = _factory.Server;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    [Fact]
    public async Task A_token_over_its_limit_gets_429_with_Retry_After_while_another_token_of_the_same_user_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        using var browser = await _factory.SignedInClientAsync(DemoSeeder.ViewerUserId, ct);
        using var busy = WithToken(await CreateTokenAsync(browser, "busy", ct));
        using var quiet = WithToken(await CreateTokenAsync(browser, "quiet", ct));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await busy.GetAsync(Projects, ct)).StatusCode);
        }

        using var refused = await busy.GetAsync(Projects, ct);
        using var other = await quiet.GetAsync(Projects, ct);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var seconds = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 60);
        Assert.Equal($"Too many API calls from this API token: at most 3 a minute. Try again in {seconds} seconds.", await DetailAsync(refused, ct));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Calls_without_credentials_share_their_addresss_smaller_limit_and_pages_are_not_limited()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = _factory.CreateClient();

        var first = (await anonymous.GetAsync(Projects, ct)).StatusCode;
        var second = (await anonymous.GetAsync(Projects, ct)).StatusCode;
        using var third = await anonymous.GetAsync(Projects, ct);
        using var page = await anonymous.GetAsync("/account/local-login", ct);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (first, second));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.StartsWith("Too many API calls from your address without valid credentials: at most 2 a minute.", await DetailAsync(third, ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private static async Task<string> CreateTokenAsync(HttpClient browser, string name, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/me/tokens")
        {
            Content = new StringContent($$"""{"name":"{{name}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Requested-With", "test");
        using var response = await browser.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("token").GetString()!;
    }

    private HttpClient WithToken(string token)
    {
        var client = _factory.CreateClient(new() { HandleCookies = false, BaseAddress = new Uri("https://localhost") });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<string?> DetailAsync(HttpResponseMessage response, CancellationToken ct) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("detail").GetString();
}
