namespace Portal.Api.Tests;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Infrastructure.Demo;

/// <summary>Outside activities reported through the API: only outside types, and each says who reported it and how.</summary>
public sealed class ReportedActivityTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    private const string Feed = $"/api/projects/{DemoSeeder.ProjectId}/environments/develop-branch/activities";

    [Fact]
    public async Task A_contributor_reports_a_push_and_the_entry_says_who_reported_it_through_the_API()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bob = await host.Factory.SignedInClientAsync(DemoSeeder.ContributorUserId, ct);

        using var response = await PostAsync(bob, new { type = "push", text = "Bob pushed 2 commits to develop-branch" }, ct);
        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("environment.push", created.GetProperty("type").GetString());
        Assert.Equal("bob", created.GetProperty("initiated_by").GetString());
        Assert.Equal("Bob", created.GetProperty("reported_by").GetString());
        Assert.Equal("api", created.GetProperty("reported_via").GetString());
        var id = created.GetProperty("id").GetString();
        Assert.Equal($"/api/projects/{DemoSeeder.ProjectId}/activities/{id}", response.Headers.Location?.ToString());

        // The feed and the activity itself say the same; Portal's own history claims no reporter.
        var feed = JsonDocument.Parse(await bob.GetStringAsync($"{Feed}?type=push", ct)).RootElement.GetProperty("items").EnumerateArray().ToList();
        var listed = Assert.Single(feed, e => e.GetProperty("id").GetString() == id);
        Assert.Equal("Bob", listed.GetProperty("reported_by").GetString());
        var history = feed.Where(e => e.GetProperty("text").GetString() is "Bob pushed 3 commits to develop-branch" or "Bob pushed 1 commit to develop-branch").ToList();
        Assert.Equal(2, history.Count);
        Assert.All(history, e => Assert.Equal(JsonValueKind.Null, e.GetProperty("reported_via").ValueKind));
        var single = JsonDocument.Parse(await bob.GetStringAsync($"/api/projects/{DemoSeeder.ProjectId}/activities/{id}", ct)).RootElement;
        Assert.Equal("api", single.GetProperty("reported_via").GetString());
    }

    [Theory]
    [InlineData("user access", "user access")]
    [InlineData("project.access.update", "user access")]
    [InlineData("snapshot", "snapshot")]
    [InlineData("Restore", "restore")]
    [InlineData("environment.backup.delete", "snapshot delete")]
    public async Task Portal_own_activity_types_cannot_be_reported_and_nothing_is_recorded(string type, string label)
    {
        var ct = TestContext.Current.CancellationToken;
        using var bob = await host.Factory.SignedInClientAsync(DemoSeeder.ContributorUserId, ct);
        var before = await bob.GetStringAsync($"{Feed}?limit=100", ct);

        using var response = await PostAsync(bob, new { type, text = "Alice changed Bob's role on development environments from contributor to admin" }, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith($"'{label}' activities are recorded by Portal itself and cannot be reported",
            JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await bob.GetStringAsync($"{Feed}?limit=100", ct));
    }

    [Theory]
    [InlineData("push")]
    [InlineData("branch")]
    [InlineData("merge")]
    [InlineData("sync")]
    [InlineData("redeploy")]
    [InlineData("cron")]
    [InlineData("variable")]
    [InlineData("environment.variable.update")]
    public async Task Every_outside_type_can_be_reported_by_its_label_or_its_name(string type)
    {
        var ct = TestContext.Current.CancellationToken;
        using var alice = await host.Factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct);

        using var response = await PostAsync(alice, new { type, text = $"Alice reported a {type}" }, ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, object body, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Feed) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        return client.SendAsync(request, ct);
    }
}
