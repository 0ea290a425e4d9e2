namespace Portal.Api.Tests;

using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;

/// <summary>The User access page's service: project admins only, every change in the feed, and the change takes effect at once.</summary>
public sealed class UserAccessTests : IAsyncLifetime
{
    private static readonly Actor Alice = new(DemoSeeder.AdminUserId, "Alice");
    private static readonly Actor Bob = new(DemoSeeder.ContributorUserId, "Bob");
    private static readonly Actor Carol = new(DemoSeeder.ViewerUserId, "Carol");

    private readonly PortalFactory _factory = new();

    public async ValueTask InitializeAsync()
    {
        _ = _factory.Server;
        await _factory.SeedMatrixUsersAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> run)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        return await run(scope.ServiceProvider);
    }

    [Fact]
    public async Task A_project_admin_grants_Admin_on_development_the_feed_records_it_and_the_user_can_then_snapshot()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await Assert.ThrowsAsync<PortalRefusedException>(() => InScopeAsync(s =>
            s.GetRequiredService<SnapshotService>().CreateAsync(Bob, DemoSeeder.ProjectId, "develop-branch", false, ct)));
        Assert.Equal(RefusalCode.MissingRole, before.Code);

        var activity = await InScopeAsync(s => s.GetRequiredService<UserAccessService>()
            .SetEnvironmentRoleAsync(Alice, DemoSeeder.ProjectId, Bob.UserId, EnvironmentType.Development, EnvironmentRole.Admin, ct));

        Assert.NotNull(activity);
        Assert.Equal(ActivityTypes.AccessChange, activity.Type);
        Assert.Equal((ActivityState.Complete, ActivityResult.Success), (activity.State, activity.Result));
        Assert.Equal("master", activity.EnvironmentName);
        Assert.Equal("Alice changed Bob's role on development environments from contributor to admin", activity.Text);
        Assert.Equal(Alice.UserId, activity.InitiatedBy);

        var feed = await InScopeAsync(s => s.GetRequiredService<ActivityFeedService>().ListAsync(Carol,
            new ActivityQuery { ProjectId = DemoSeeder.ProjectId, EnvironmentName = "master", Types = [ActivityTypes.AccessChange] }, ct));
        Assert.Equal(activity.Id, Assert.Single(feed.Items).Id);

        var created = await InScopeAsync(s => s.GetRequiredService<SnapshotService>().CreateAsync(Bob, DemoSeeder.ProjectId, "develop-branch", false, ct));
        Assert.Equal("Bob created a snapshot of develop-branch", created.Text);

        var list = await InScopeAsync(s => s.GetRequiredService<UserAccessService>().ListAsync(Alice, DemoSeeder.ProjectId, ct));
        Assert.Equal(EnvironmentRole.Admin, list.Single(u => u.UserId == Bob.UserId).TypeRoles[EnvironmentType.Development]);
    }

    [Fact]
    public async Task The_list_holds_the_project_members_only_not_every_user_of_the_installation()
    {
        var list = await InScopeAsync(s => s.GetRequiredService<UserAccessService>().ListAsync(Alice, DemoSeeder.ProjectId, TestContext.Current.CancellationToken));

        // Erin has only a development role and no project role: a member all the same. Dave signed in once and has no role here.
        Assert.Equal(["alice", "bob", "carol", PortalFactory.EnvironmentAdminId], list.Select(u => u.UserId).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(PortalFactory.NoRoleId)]
    [InlineData(PortalFactory.NoRoleEmail)]
    [InlineData("  DAVE@Example.org ")]
    public async Task A_project_admin_adds_a_user_by_exact_user_id_or_email_as_project_viewer_and_the_feed_records_it(string userIdOrEmail)
    {
        var ct = TestContext.Current.CancellationToken;

        var activity = await InScopeAsync(s => s.GetRequiredService<UserAccessService>().AddMemberAsync(Alice, DemoSeeder.ProjectId, userIdOrEmail, ct));

        Assert.Equal(ActivityTypes.AccessChange, activity.Type);
        Assert.Equal("Alice gave Dave the viewer role on the project", activity.Text);
        var dave = Assert.Single(await InScopeAsync(s => s.GetRequiredService<UserAccessService>().ListAsync(Alice, DemoSeeder.ProjectId, ct)),
            u => u.UserId == PortalFactory.NoRoleId);
        Assert.Equal(ProjectRole.Viewer, dave.ProjectRole);
        Assert.Empty(dave.TypeRoles);
    }

    [Theory]
    [InlineData("dav", "No Portal user has the user id or e-mail 'dav'. They must sign in to Portal once before they can be added.")]
    [InlineData("Dave", "No Portal user has the user id or e-mail 'Dave'. They must sign in to Portal once before they can be added.")]
    [InlineData("example.org", "No Portal user has the user id or e-mail 'example.org'. They must sign in to Portal once before they can be added.")]
    [InlineData("%", "No Portal user has the user id or e-mail '%'. They must sign in to Portal once before they can be added.")]
    [InlineData("da\nve", "No Portal user has the user id or e-mail 'da\nve'. They must sign in to Portal once before they can be added.")]
    [InlineData(" ", "Enter the user id or e-mail of the person to add.")]
    [InlineData(DemoSeeder.ContributorUserId, "Bob is already a member of the project; change their roles in the table.")]
    [InlineData(PortalFactory.EnvironmentAdminId, "Erin is already a member of the project; change their roles in the table.")]
    public async Task Adding_finds_users_by_exact_id_or_email_only_and_says_why_not(string userIdOrEmail, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => InScopeAsync(s =>
            s.GetRequiredService<UserAccessService>().AddMemberAsync(Alice, DemoSeeder.ProjectId, userIdOrEmail, ct)));

        Assert.Equal((RefusalCode.InvalidInput, message), (refused.Code, refused.Message));
        Assert.DoesNotContain(await InScopeAsync(s => s.GetRequiredService<UserAccessService>().ListAsync(Alice, DemoSeeder.ProjectId, ct)),
            u => u.UserId == PortalFactory.NoRoleId);
    }

    [Fact]
    public async Task Setting_the_same_role_again_records_nothing_and_removing_a_role_is_recorded()
    {
        var ct = TestContext.Current.CancellationToken;
        var same = await InScopeAsync(s => s.GetRequiredService<UserAccessService>()
            .SetEnvironmentRoleAsync(Alice, DemoSeeder.ProjectId, Bob.UserId, EnvironmentType.Staging, EnvironmentRole.Contributor, ct));
        Assert.Null(same);

        var removed = await InScopeAsync(s => s.GetRequiredService<UserAccessService>()
            .SetProjectRoleAsync(Alice, DemoSeeder.ProjectId, Carol.UserId, null, ct));
        Assert.Equal("Alice removed Carol's viewer role on the project", removed!.Text);

        // Carol now has no role at all: the project is hidden from her.
        var hidden = await Assert.ThrowsAsync<PortalRefusedException>(() => InScopeAsync(s =>
            s.GetRequiredService<EnvironmentDirectory>().GetTreeAsync(Carol, DemoSeeder.ProjectId, ct)));
        Assert.Equal(RefusalCode.ProjectNotFound, hidden.Code);
    }

    [Theory]
    [InlineData(DemoSeeder.ContributorUserId, RefusalCode.MissingRole)]
    [InlineData(DemoSeeder.ViewerUserId, RefusalCode.MissingRole)]
    [InlineData(PortalFactory.EnvironmentAdminId, RefusalCode.MissingRole)]
    [InlineData(PortalFactory.NoRoleId, RefusalCode.ProjectNotFound)]
    public async Task Only_project_admins_see_or_change_user_access(string userId, RefusalCode expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var actor = new Actor(userId, userId);
        var list = await Assert.ThrowsAsync<PortalRefusedException>(() => InScopeAsync(s =>
            s.GetRequiredService<UserAccessService>().ListAsync(actor, DemoSeeder.ProjectId, ct)));
        var change = await Assert.ThrowsAsync<PortalRefusedException>(() => InScopeAsync(s =>
            s.GetRequiredService<UserAccessService>().SetEnvironmentRoleAsync(actor, DemoSeeder.ProjectId, userId, EnvironmentType.Production, EnvironmentRole.Admin, ct)));
        var add = await Assert.ThrowsAsync<PortalRefusedException>(() => InScopeAsync(s =>
            s.GetRequiredService<UserAccessService>().AddMemberAsync(actor, DemoSeeder.ProjectId, PortalFactory.NoRoleEmail, ct)));

        Assert.Equal(expected, list.Code);
        Assert.Equal(expected, change.Code);
        Assert.Equal(expected, add.Code);
        if (expected == RefusalCode.MissingRole)
        {
            Assert.StartsWith("You need the Admin role on the project to change user access", change.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_admin_cannot_remove_their_own_project_admin_role()
    {
        var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => InScopeAsync(s => s.GetRequiredService<UserAccessService>()
            .SetProjectRoleAsync(Alice, DemoSeeder.ProjectId, Alice.UserId, ProjectRole.Viewer, TestContext.Current.CancellationToken)));
        Assert.Equal(RefusalCode.InvalidInput, refused.Code);
    }

    [Fact]
    public async Task With_RevokeUnmappedRoles_a_sign_in_removes_roles_the_provider_no_longer_grants()
    {
        var ct = TestContext.Current.CancellationToken;
        var frank = new ExternalIdentity("oid-frank", "Frank", null);
        await InScopeAsync(async s =>
        {
            await s.GetRequiredService<UserAccessService>().ApplySignInAsync(frank,
                [new RoleGrant(DemoSeeder.ProjectId, null, EnvironmentType.Development, EnvironmentRole.Admin),
                 new RoleGrant(DemoSeeder.ProjectId, null, EnvironmentType.Development, EnvironmentRole.Viewer),
                 new RoleGrant("no-such-project", ProjectRole.Admin, null, null)],
                replaceMappedProjects: true, [DemoSeeder.ProjectId, "no-such-project"], ct);
            return 0;
        });
        var roles = await InScopeAsync(s => s.GetRequiredService<IProjectRepository>().GetRolesAsync("oid-frank", DemoSeeder.ProjectId, ct));
        Assert.Equal(EnvironmentRole.Admin, roles.RoleOn(EnvironmentType.Development));

        await InScopeAsync(async s =>
        {
            await s.GetRequiredService<UserAccessService>().ApplySignInAsync(frank, [], replaceMappedProjects: true, [DemoSeeder.ProjectId], ct);
            return 0;
        });
        Assert.False((await InScopeAsync(s => s.GetRequiredService<IProjectRepository>().GetRolesAsync("oid-frank", DemoSeeder.ProjectId, ct))).HasAnyRole);
    }

    [Fact]
    public async Task The_page_lists_the_members_for_a_project_admin_and_no_other_user_of_the_installation()
    {
        var ct = TestContext.Current.CancellationToken;
        using var alice = await _factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        using var response = await alice.GetAsync($"/projects/{DemoSeeder.ProjectId}/access", ct);
        var page = await response.Content.ReadAsStringAsync(ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Development environments", page, StringComparison.Ordinal);
        Assert.Contains("bob@example.com", page, StringComparison.Ordinal);
        Assert.Contains("User id or e-mail", page, StringComparison.Ordinal);
        Assert.Contains("Add member", page, StringComparison.Ordinal);
        Assert.DoesNotContain(PortalFactory.NoRoleEmail, page, StringComparison.Ordinal);
        Assert.DoesNotContain("Dave", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_without_a_role_gets_the_same_404_and_message_as_for_a_project_that_does_not_exist()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dave = await _factory.SignedInClientAsync(PortalFactory.NoRoleId, ct);

        var hidden = await NotFoundPages.GetAsync(dave, $"/projects/{DemoSeeder.ProjectId}/access", $"Project '{DemoSeeder.ProjectId}' was not found.", ct);
        var missing = await NotFoundPages.GetAsync(dave, "/projects/no-such-shop/access", "Project 'no-such-shop' was not found.", ct);

        Assert.DoesNotContain("bob@example.com", hidden, StringComparison.Ordinal);
        Assert.Equal(NotFoundPages.VisibleText(missing),
            NotFoundPages.VisibleText(hidden).Replace(DemoSeeder.ProjectId, "no-such-shop", StringComparison.Ordinal));
    }
}
