namespace Portal.Api.Tests;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;

public sealed class MatrixHost : IAsyncLifetime
{
    public PortalFactory Factory { get; } = new();

    public async ValueTask InitializeAsync()
    {
        _ = Factory.Server; // starts the host: migrations and the demo seed run before it answers
        await Factory.SeedMatrixUsersAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}

/// <summary>Every role × every action through the application layer (Core services over the real SQLite database).</summary>
public sealed class ApplicationLayerRoleMatrixTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    public static TheoryData<Who, Act> Cases => RoleMatrix.Cases(withAnonymous: false);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_role_is_allowed_or_refused_as_the_rules_say(Who who, Act act)
    {
        var ct = TestContext.Current.CancellationToken;
        var snapshotId = await host.Factory.AddRestorableSnapshotAsync(RoleMatrix.Environment, ct);
        var actor = new Actor(RoleMatrix.UserId(who)!, who.ToString());
        await using var scope = host.Factory.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;

        Func<Task<object>> run = act switch
        {
            Act.ViewEnvironment => async () => await services.GetRequiredService<EnvironmentDirectory>().GetAsync(actor, DemoSeeder.ProjectId, RoleMatrix.Environment, ct),
            Act.ViewFeed => async () => await services.GetRequiredService<ActivityFeedService>().ListAsync(actor,
                new ActivityQuery { ProjectId = DemoSeeder.ProjectId, EnvironmentName = RoleMatrix.Environment }, ct),
            Act.Create => async () => await services.GetRequiredService<SnapshotService>().CreateAsync(actor, DemoSeeder.ProjectId, RoleMatrix.Environment, false, ct),
            Act.Restore => async () => await services.GetRequiredService<SnapshotService>().RestoreAsync(actor, DemoSeeder.ProjectId, RoleMatrix.Environment, snapshotId, new RestoreOptions(), ct),
            Act.Pin => async () => await services.GetRequiredService<SnapshotService>().PinAsync(actor, DemoSeeder.ProjectId, RoleMatrix.Environment, snapshotId, "audit", ct),
            Act.Verify => async () => await services.GetRequiredService<SnapshotService>().VerifyAsync(actor, DemoSeeder.ProjectId, RoleMatrix.Environment, snapshotId, ct),
            _ => async () => await services.GetRequiredService<SnapshotService>().DeleteAsync(actor, DemoSeeder.ProjectId, RoleMatrix.Environment, snapshotId, ct),
        };

        switch (RoleMatrix.Expected(who, act))
        {
            case Outcome.Allowed:
                var result = await run();
                if (result is Activity activity)
                {
                    // The feed records who did it, by name.
                    Assert.StartsWith(who.ToString() + " ", activity.Text, StringComparison.Ordinal);
                    Assert.Equal(actor.UserId, activity.InitiatedBy);
                }

                break;
            case Outcome.MissingRole:
                var refused = await Assert.ThrowsAsync<PortalRefusedException>(run);
                Assert.Equal(RefusalCode.MissingRole, refused.Code);
                Assert.Equal(RoleMatrix.MissingRoleMessage(who, act), refused.Message);
                break;
            default:
                var hidden = await Assert.ThrowsAsync<PortalRefusedException>(run);
                Assert.Equal(RefusalCode.ProjectNotFound, hidden.Code);
                break;
        }
    }
}

/// <summary>The same table through HTTP: the REST API with the session cookie of the Development local sign-in.</summary>
public sealed class HttpRoleMatrixTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    public static TheoryData<Who, Act> Cases => RoleMatrix.Cases(withAnonymous: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_role_is_allowed_or_refused_as_the_rules_say(Who who, Act act)
    {
        var ct = TestContext.Current.CancellationToken;
        var snapshotId = await host.Factory.AddRestorableSnapshotAsync(RoleMatrix.Environment, ct);
        using var client = RoleMatrix.UserId(who) is { } userId
            ? await host.Factory.SignedInClientAsync(userId, ct)
            : host.Factory.CreateClient();
        var environment = $"/api/projects/{DemoSeeder.ProjectId}/environments/{RoleMatrix.Environment}";
        using var request = act switch
        {
            Act.ViewEnvironment => new HttpRequestMessage(HttpMethod.Get, environment),
            Act.ViewFeed => new HttpRequestMessage(HttpMethod.Get, $"{environment}/activities?type=snapshot"),
            Act.Create => new HttpRequestMessage(HttpMethod.Post, $"{environment}/snapshots") { Content = JsonContent.Create(new { live = false }) },
            Act.Restore => new HttpRequestMessage(HttpMethod.Post, $"{environment}/snapshots/{snapshotId}/restore") { Content = JsonContent.Create(new { }) },
            Act.Pin => new HttpRequestMessage(HttpMethod.Put, $"{environment}/snapshots/{snapshotId}/pin") { Content = JsonContent.Create(new { reason = "audit" }) },
            Act.Verify => new HttpRequestMessage(HttpMethod.Post, $"{environment}/snapshots/{snapshotId}/verify"),
            _ => new HttpRequestMessage(HttpMethod.Delete, $"{environment}/snapshots/{snapshotId}"),
        };
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");

        using var response = await client.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        switch (RoleMatrix.Expected(who, act))
        {
            case Outcome.Allowed:
                Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {body}");
                Assert.Equal(act is Act.ViewEnvironment or Act.ViewFeed or Act.Pin ? HttpStatusCode.OK : HttpStatusCode.Accepted, response.StatusCode);
                break;
            case Outcome.MissingRole:
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Equal(RoleMatrix.MissingRoleMessage(who, act), Detail(body));
                break;
            case Outcome.NotFound:
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal($"Project '{DemoSeeder.ProjectId}' was not found.", Detail(body));
                break;
            default:
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                break;
        }
    }

    private static string? Detail(string problemJson) =>
        JsonDocument.Parse(problemJson).RootElement.GetProperty("detail").GetString();
}
