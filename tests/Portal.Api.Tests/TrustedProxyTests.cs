namespace Portal.Api.Tests;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portal.Infrastructure.Demo;

/// <summary>
/// Behind a load balancer (Proxy:TrustedNetworks) the client a token's use records is the one the balancer names in
/// X-Forwarded-For; a request from anywhere else cannot name another client by sending the header itself.
/// </summary>
public sealed class TrustedProxyTests
{
    private const string Balancer = "10.89.0.2";
    private const string Client = "203.0.113.44";
    private const string Stranger = "198.51.100.9";

    [Fact]
    public async Task A_tokens_use_records_the_client_a_trusted_balancer_forwards_and_ignores_the_header_from_anyone_else()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new PortalFactory(settings: new() { ["Proxy:TrustedNetworks:0"] = "10.89.0.0/24" });
        using var browser = await factory.SignedInClientAsync(DemoSeeder.ContributorUserId, ct);
        var viaBalancer = await CreateTokenAsync(browser, "via balancer", ct);
        var forged = await CreateTokenAsync(browser, "forged", ct);

        using (var script = From(factory, Balancer, viaBalancer))
        {
            using var call = await script.GetAsync(new Uri("/api/projects", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        using (var script = From(factory, Stranger, forged))
        {
            using var call = await script.GetAsync(new Uri("/api/projects", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        var listed = JsonDocument.Parse(await browser.GetStringAsync(new Uri(ApiTokenTests.Tokens, UriKind.Relative), ct)).RootElement.EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("last_used_from").GetString());
        Assert.Equal(Client, listed["via balancer"]);
        Assert.Equal(Stranger, listed["forged"]);
    }

    private static async Task<string> CreateTokenAsync(HttpClient browser, string name, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiTokenTests.Tokens)
        {
            Content = new StringContent($$"""{"name":"{{name}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Requested-With", "test");
        using var response = await browser.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>A script's call arriving from <paramref name="address"/>, saying it forwards for <see cref="Client"/>.</summary>
    private static HttpClient From(PortalFactory factory, string address, string token)
    {
        var handler = factory.Server.CreateHandler(context => context.Connection.RemoteIpAddress = IPAddress.Parse(address));
        var client = new HttpClient(handler) { BaseAddress = new Uri("https://localhost") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", Client);
        return client;
    }
}
