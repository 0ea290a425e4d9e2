namespace Portal.Core.Tests.Environments;

using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

public sealed class EnvironmentViewTests
{
    [Theory]
    [InlineData(EnvironmentRole.Admin, EnvironmentStatus.Paused, null)]
    [InlineData(EnvironmentRole.Admin, EnvironmentStatus.Inactive, RefusalCode.EnvironmentInactive)]
    [InlineData(EnvironmentRole.Viewer, EnvironmentStatus.Paused, RefusalCode.MissingRole)]
    public void A_live_status_change_gives_the_refusal_the_rules_give_for_that_status(EnvironmentRole role, EnvironmentStatus status, RefusalCode? expected)
    {
        var environment = new ProjectEnvironment { ProjectId = "p", Name = "develop-branch", Title = "Develop", Type = EnvironmentType.Development };
        var view = new EnvironmentView(environment, role, SnapshotRules.CheckCanSnapshotAs(environment, role), null, []);

        var changed = view.WithStatus(status);

        Assert.Equal(status, changed.Environment.Status);
        Assert.Equal(expected, changed.CannotSnapshot?.Code);
        Assert.Equal(EnvironmentStatus.Active, environment.Status);
    }
}
