namespace Portal.Api.Tests;

using Portal.Infrastructure.Demo;

public enum Who
{
    ProjectAdmin,
    EnvironmentAdmin,
    Contributor,
    Viewer,
    NoRole,
    Anonymous,
}

public enum Act
{
    ViewEnvironment,
    ViewFeed,
    Create,
    Restore,
    Delete,
    Pin,
    Verify,
}

public enum Outcome
{
    Allowed,
    MissingRole,
    NotFound,
    NotSignedIn,
}

/// <summary>DESIGN.md "Roles" and rule 1 as a table: who may do what on develop-branch (a development environment).</summary>
public static class RoleMatrix
{
    public const string Environment = "develop-branch";

    public static string? UserId(Who who) => who switch
    {
        Who.ProjectAdmin => DemoSeeder.AdminUserId,
        Who.EnvironmentAdmin => PortalFactory.EnvironmentAdminId,
        Who.Contributor => DemoSeeder.ContributorUserId,
        Who.Viewer => DemoSeeder.ViewerUserId,
        Who.NoRole => PortalFactory.NoRoleId,
        _ => null,
    };

    public static Outcome Expected(Who who, Act act) => who switch
    {
        Who.Anonymous => Outcome.NotSignedIn,
        Who.NoRole => Outcome.NotFound,
        Who.ProjectAdmin or Who.EnvironmentAdmin => Outcome.Allowed,
        _ => act is Act.ViewEnvironment or Act.ViewFeed ? Outcome.Allowed : Outcome.MissingRole,
    };

    /// <summary>The refusal must name the missing role and the role the user has.</summary>
    public static string MissingRoleMessage(Who who, Act act) =>
        $"You need the Admin role on development environments to {Verb(act)} snapshots; your role there is {(who == Who.Contributor ? "contributor" : "viewer")}.";

    private static string Verb(Act act) => act switch
    {
        Act.Create => "create",
        Act.Restore => "restore",
        Act.Pin => "pin",
        Act.Verify => "verify",
        _ => "delete",
    };

    public static TheoryData<Who, Act> Cases(bool withAnonymous)
    {
        var data = new TheoryData<Who, Act>();
        foreach (var who in Enum.GetValues<Who>().Where(w => withAnonymous || w != Who.Anonymous))
        {
            foreach (var act in Enum.GetValues<Act>())
            {
                data.Add(who, act);
            }
        }

        return data;
    }
}
