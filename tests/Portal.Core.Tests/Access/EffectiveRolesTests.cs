namespace Portal.Core.Tests.Access;

using Portal.Core.Access;
using Portal.Core.Environments;

public sealed class EffectiveRolesTests
{
    [Fact]
    public void AUserWithoutAnyRoleSeesNothing()
    {
        Assert.False(EffectiveRoles.None.HasAnyRole);
        Assert.All(Enum.GetValues<EnvironmentType>(), type => Assert.Null(EffectiveRoles.None.RoleOn(type)));
    }

    [Fact]
    public void AProjectViewerIsViewerWhereNoTypeRoleSaysMore()
    {
        var roles = new EffectiveRoles(ProjectRole.Viewer, new Dictionary<EnvironmentType, EnvironmentRole>
        {
            [EnvironmentType.Development] = EnvironmentRole.Contributor,
        });

        Assert.Equal(EnvironmentRole.Contributor, roles.RoleOn(EnvironmentType.Development));
        Assert.Equal(EnvironmentRole.Viewer, roles.RoleOn(EnvironmentType.Production));
    }

    [Fact]
    public void ATypeRoleAloneGivesAccessToThatTypeOnly()
    {
        var roles = new EffectiveRoles(null, new Dictionary<EnvironmentType, EnvironmentRole> { [EnvironmentType.Staging] = EnvironmentRole.Admin });

        Assert.True(roles.HasAnyRole);
        Assert.Equal(EnvironmentRole.Admin, roles.RoleOn(EnvironmentType.Staging));
        Assert.Null(roles.RoleOn(EnvironmentType.Production));
    }
}
