namespace Portal.Core.Environments;

public enum EnvironmentType
{
    Production,
    Staging,
    Development,
}

public enum EnvironmentPlan
{
    Starter,
    Pro,
}

public enum EnvironmentStatus
{
    Active,
    Inactive,
    Paused,
    Dirty,
}

public static class EnvironmentNames
{
    public static string ToApiName(this EnvironmentType type) => type switch
    {
        EnvironmentType.Production => "production",
        EnvironmentType.Staging => "staging",
        _ => "development",
    };

    public static string ToApiName(this EnvironmentStatus status) => status.ToString().ToLowerInvariant();
}
