namespace Portal.Infrastructure.Tests.Access;

using Portal.Core.Access;
using Portal.Core.Environments;
using Portal.Infrastructure.Tests.Support;

/// <summary>The User access queries on each provider: members only, and one user found by exact id or e-mail.</summary>
public sealed class UserAccessRepositoryTests
{
    private const string Project = "demo-shop";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Members_are_users_with_a_role_on_the_project_and_one_is_found_by_exact_id_or_email(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;
        var access = host.Get<IUserAccessRepository>();
        await access.UpsertSignInAsync(new ExternalIdentity("frank", "Frank", "Frank@Example.org"), [], [], ct);
        await access.UpsertSignInAsync(new ExternalIdentity("erin", "Erin", null),
            [new RoleGrant(Project, null, EnvironmentType.Development, EnvironmentRole.Admin)], [], ct);

        var members = await access.ListMembersAsync(Project, ct);

        Assert.Equal(["Alice", "Bob", "Carol", "Erin"], members.Select(m => m.DisplayName));
        Assert.Equal("frank", Assert.Single(await access.FindByIdOrEmailAsync("frank@example.ORG", ct)).Id);
        Assert.Equal("frank", Assert.Single(await access.FindByIdOrEmailAsync("frank", ct)).Id);
        Assert.Empty(await access.FindByIdOrEmailAsync("Frank", ct));
        Assert.Empty(await access.FindByIdOrEmailAsync("example.org", ct));
        Assert.Empty(await access.FindByIdOrEmailAsync("%", ct));
    }
}
