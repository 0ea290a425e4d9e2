namespace Portal.Infrastructure.Tests.Projects;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Projects;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tests.Support;

public sealed class ProjectOverviewServiceTests
{
    private const int FeatureBranches = 40;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task TheProjectsPageSummarisesEachVisibleProjectWithItsNewestSnapshotAndRunningAndFailedActivities(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database);
        var snapshotAt = await AddSnapshotAsync(host, "agency", "feature-03");
        await AddFailedActivityAsync(host, "agency", "feature-07");
        await host.InScopeAsync<Core.Snapshots.SnapshotService, Activity>(s => s.CreateAsync(PortalTestHost.Alice, "demo-shop", "develop-branch", false, Cancel));

        var alice = await host.InScopeAsync<ProjectOverviewService, IReadOnlyList<ProjectSummary>>(s => s.ListAsync(PortalTestHost.Alice, Cancel));
        var carol = await host.InScopeAsync<ProjectOverviewService, IReadOnlyList<ProjectSummary>>(s => s.ListAsync(PortalTestHost.Carol, Cancel));

        Assert.Equal(["Agency", "Demo shop", "Tiny"], alice.Select(p => p.Title));
        var agency = alice[0];
        Assert.Equal((FeatureBranches + 1, snapshotAt, 0, 1), (agency.EnvironmentCount, agency.LastSnapshotAt, agency.RunningCount, agency.FailedCount));
        var demo = alice[1];
        Assert.Equal((1, 0), (demo.RunningCount, demo.FailedCount));
        Assert.Equal(["Demo shop"], carol.Select(p => p.Title));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task TheProjectOverviewListsEveryEnvironmentWithItsLastSnapshotAndNewestActivityAndMembersOnlyForAdmins(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database);
        var snapshotAt = await AddSnapshotAsync(host, "agency", "feature-03");
        await AddFailedActivityAsync(host, "agency", "feature-07");

        var overview = await host.InScopeAsync<ProjectOverviewService, ProjectOverview>(s => s.GetAsync(PortalTestHost.Alice, "agency", Cancel));

        Assert.Equal(FeatureBranches + 1, overview.Environments.Count);
        Assert.Equal("master", overview.Environments[0].Environment.Name);
        Assert.Equal(snapshotAt, overview.Environments.Single(r => r.Environment.Name == "feature-03").LastSnapshotAt);
        var failed = overview.Environments.Single(r => r.Environment.Name == "feature-07").LastActivity;
        Assert.Equal(("deploy failed", ActivityResult.Failure), (failed?.Text, failed?.Result));
        Assert.Equal(["alice"], overview.Members?.Select(m => m.UserId));

        var demo = await host.InScopeAsync<ProjectOverviewService, ProjectOverview>(s => s.GetAsync(PortalTestHost.Carol, "demo-shop", Cancel));
        Assert.Null(demo.Members);
        Assert.All(demo.Environments, r => Assert.Equal(ActivityTypes.Cron, r.LastActivity?.Type));
        var hidden = await Assert.ThrowsAsync<PortalRefusedException>(() =>
            host.InScopeAsync<ProjectOverviewService, ProjectOverview>(s => s.GetAsync(PortalTestHost.Carol, "agency", Cancel)));
        Assert.Equal(RefusalCode.ProjectNotFound, hidden.Code);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task BothOverviewsSendAsManyQueriesForFortyEnvironmentsOrThreeProjectsAsForOne(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database);
        using var commands = new CommandCounter(host, database);
        await commands.ListeningAsync(() => host.InScopeAsync<ProjectOverviewService, IReadOnlyList<ProjectSummary>>(s => s.ListAsync(PortalTestHost.Bob, Cancel)));

        var many = await commands.CountAsync(() => host.InScopeAsync<ProjectOverviewService, ProjectOverview>(s => s.GetAsync(PortalTestHost.Alice, "agency", Cancel)));
        var one = await commands.CountAsync(() => host.InScopeAsync<ProjectOverviewService, ProjectOverview>(s => s.GetAsync(PortalTestHost.Alice, "tiny", Cancel)));
        var threeProjects = await commands.CountAsync(() => host.InScopeAsync<ProjectOverviewService, IReadOnlyList<ProjectSummary>>(s => s.ListAsync(PortalTestHost.Alice, Cancel)));
        var oneProject = await commands.CountAsync(() => host.InScopeAsync<ProjectOverviewService, IReadOnlyList<ProjectSummary>>(s => s.ListAsync(PortalTestHost.Carol, Cancel)));

        // Roles, project, environments, snapshots, activities, members, schedules, open alerts…: a fixed handful, whatever the size.
        Assert.InRange(one, 1, 13);
        Assert.Equal(one, many);
        Assert.InRange(oneProject, 1, 6);
        Assert.Equal(oneProject, threeProjects);
    }

    /// <summary>The demo, plus "agency" (master and 40 feature branches) and "tiny" (master alone), both administered by Alice.</summary>
    private static Task<PortalTestHost> StartAsync(TestDatabase database)
    {
        EnvironmentDefinition Feature(int i) => new() { Name = $"feature-{i:D2}", Title = $"Feature {i:D2}", Parent = "master" };
        var master = new EnvironmentDefinition { Name = "master", Title = "Master", Type = EnvironmentType.Production };
        return PortalTestHost.StartAsync(database, mediaFiles: 1, settings: ConfigurationPairs.Projects(
            new ProjectDefinition { Id = "agency", Title = "Agency", Admins = ["alice"], Environments = [master, .. Enumerable.Range(1, FeatureBranches).Select(Feature)] },
            new ProjectDefinition { Id = "tiny", Title = "Tiny", Admins = ["alice"], Environments = [master] }));
    }

    private static async Task<DateTimeOffset> AddSnapshotAsync(PortalTestHost host, string projectId, string environmentName)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        var environment = await db.Environments.AsNoTracking().SingleAsync(e => e.ProjectId == projectId && e.Name == environmentName, Cancel);
        var at = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
        db.Snapshots.Add(TestSnapshots.Created(environment, at, "alice"));
        db.Snapshots.Add(TestSnapshots.Created(environment, at.AddDays(-1), "alice"));
        await db.SaveChangesAsync(Cancel);
        return at;
    }

    /// <summary>What the feed holds after a reported deployment failed: a finished activity with a failure result.</summary>
    private static async Task AddFailedActivityAsync(PortalTestHost host, string projectId, string environmentName)
    {
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        var environment = await db.Environments.AsNoTracking().SingleAsync(e => e.ProjectId == projectId && e.Name == environmentName, Cancel);
        var at = DateTimeOffset.UtcNow;
        db.Activities.Add(new Activity
        {
            Id = PortalIds.New(), ProjectId = projectId, EnvironmentId = environment.Id, EnvironmentName = environmentName,
            Type = ActivityTypes.Redeploy, State = ActivityState.Complete, Result = ActivityResult.Failure, CompletionPercent = 100,
            CreatedAt = at, StartedAt = at, CompletedAt = at, Text = "deploy failed", InitiatedBy = "alice",
        });
        await db.SaveChangesAsync(Cancel);
    }
}
