namespace Portal.Api.Tests;

using System.Net;
using Portal.Infrastructure.Demo;

/// <summary>The environment page over HTTP: what it answers, before any circuit, for environments a user may or may not see.</summary>
public sealed class EnvironmentPageTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    private static string Path(string projectId, string environmentName) => $"/projects/{projectId}/environments/{environmentName}";

    [Fact]
    public async Task An_environment_the_user_may_see_answers_200_with_its_top_pane()
    {
        var ct = TestContext.Current.CancellationToken;
        using var alice = await host.Factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        using var response = await alice.GetAsync(Path(DemoSeeder.ProjectId, "develop-branch"), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Develop branch", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_environment_answers_404_with_the_friendly_message()
    {
        var ct = TestContext.Current.CancellationToken;
        using var alice = await host.Factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct);

        await NotFoundPages.GetAsync(alice, Path(DemoSeeder.ProjectId, "no-such-branch"),
            $"Environment 'no-such-branch' was not found in project '{DemoSeeder.ProjectId}'.", ct);
    }

    [Fact]
    public async Task A_user_without_a_role_gets_the_same_404_and_message_as_for_a_project_that_does_not_exist()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dave = await host.Factory.SignedInClientAsync(PortalFactory.NoRoleId, ct);

        var hidden = await NotFoundPages.GetAsync(dave, Path(DemoSeeder.ProjectId, "develop-branch"), $"Project '{DemoSeeder.ProjectId}' was not found.", ct);
        var missing = await NotFoundPages.GetAsync(dave, Path("no-such-shop", "develop-branch"), "Project 'no-such-shop' was not found.", ct);

        Assert.DoesNotContain("Develop branch", hidden, StringComparison.Ordinal);
        Assert.Equal(NotFoundPages.VisibleText(missing),
            NotFoundPages.VisibleText(hidden).Replace(DemoSeeder.ProjectId, "no-such-shop", StringComparison.Ordinal));
    }
}
