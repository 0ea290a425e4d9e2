namespace Portal.Core.Tests.Projects;

using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Projects;

public sealed class ProjectOverviewsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static readonly EffectiveRoles ProjectViewer = new(ProjectRole.Viewer, new Dictionary<EnvironmentType, EnvironmentRole>());

    private static readonly EffectiveRoles DevelopmentOnly =
        new(null, new Dictionary<EnvironmentType, EnvironmentRole> { [EnvironmentType.Development] = EnvironmentRole.Admin });

    [Fact]
    public void A_summary_counts_only_the_environments_the_roles_show_and_their_newest_snapshot_and_activities()
    {
        var master = Environment("shop", "master", EnvironmentType.Production);
        var develop = Environment("shop", "develop", EnvironmentType.Development);
        var feature = Environment("shop", "feature-x", EnvironmentType.Development);
        var snapshots = new Dictionary<Guid, DateTimeOffset> { [master.Id] = Now, [develop.Id] = Now.AddDays(-2), [feature.Id] = Now.AddDays(-1) };
        var activities = new Dictionary<Guid, LastActivity>
        {
            [master.Id] = Activity(master, ActivityState.InProgress, null),
            [develop.Id] = Activity(develop, ActivityState.Complete, ActivityResult.Failure),
            [feature.Id] = Activity(feature, ActivityState.Pending, null),
        };

        var summary = Assert.Single(ProjectOverviews.Summaries(
            [Project("shop")], new Dictionary<string, EffectiveRoles> { ["shop"] = DevelopmentOnly }, [master, develop, feature], snapshots, activities));

        Assert.Equal(("shop", 2, Now.AddDays(-1), 1, 1), (summary.Id, summary.EnvironmentCount, summary.LastSnapshotAt, summary.RunningCount, summary.FailedCount));
    }

    [Fact]
    public void Projects_without_a_role_are_left_out_and_a_project_without_snapshots_or_activities_says_none()
    {
        var summaries = ProjectOverviews.Summaries(
            [Project("empty"), Project("hidden")],
            new Dictionary<string, EffectiveRoles> { ["empty"] = ProjectViewer, ["hidden"] = EffectiveRoles.None },
            [Environment("empty", "master", EnvironmentType.Production), Environment("hidden", "master", EnvironmentType.Production)],
            new Dictionary<Guid, DateTimeOffset>(), new Dictionary<Guid, LastActivity>());

        var summary = Assert.Single(summaries);
        Assert.Equal(("empty", 1, (DateTimeOffset?)null, 0, 0), (summary.Id, summary.EnvironmentCount, summary.LastSnapshotAt, summary.RunningCount, summary.FailedCount));
    }

    [Fact]
    public void A_live_update_of_the_newest_activity_changes_the_row_and_one_of_an_older_activity_does_not()
    {
        var develop = Environment("shop", "develop", EnvironmentType.Development);
        var newest = Activity(develop, ActivityState.InProgress, null);
        var row = Assert.Single(ProjectOverviews.Rows([develop], DevelopmentOnly, new Dictionary<Guid, DateTimeOffset>(),
            new Dictionary<Guid, LastActivity> { [develop.Id] = newest }));

        var finished = row.With(Update(develop, newest.Id, ActivityState.Complete, ActivityResult.Success, EnvironmentStatus.Active));
        var older = row.With(Update(develop, "older", ActivityState.Complete, ActivityResult.Failure, EnvironmentStatus.Paused));

        Assert.Equal((ActivityState.Complete, ActivityResult.Success, 100), (finished.LastActivity!.State, finished.LastActivity.Result, finished.LastActivity.CompletionPercent));
        Assert.Equal((ActivityState.InProgress, (ActivityResult?)null), (older.LastActivity!.State, older.LastActivity.Result));
        Assert.Equal(EnvironmentStatus.Paused, older.Environment.Status);
        Assert.Equal(EnvironmentStatus.Active, develop.Status);
    }

    private static Project Project(string id) => new() { Id = id, Title = id.ToUpperInvariant() };

    private static ProjectEnvironment Environment(string project, string name, EnvironmentType type) =>
        new() { ProjectId = project, Name = name, Title = name, Type = type };

    private static LastActivity Activity(ProjectEnvironment environment, ActivityState state, ActivityResult? result) =>
        new(environment.Id, Guid.NewGuid().ToString("N"), ActivityTypes.Snapshot, state, result, 10, Now, null, "Alice created a snapshot");

    private static ActivityUpdate Update(ProjectEnvironment environment, string activityId, ActivityState state, ActivityResult? result, EnvironmentStatus status) =>
        new(activityId, environment.ProjectId, environment.Id, ActivityTypes.Snapshot, state, result, 100, null, null, EnvironmentStatus: status);
}
