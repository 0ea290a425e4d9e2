namespace Portal.Core.Common;

/// <summary>Who asks: the signed-in user, an API token's owner, or Portal itself.</summary>
public sealed record Actor(string UserId, string DisplayName)
{
    /// <summary>Portal itself (a schedule, a sweep). Only this instance is Portal: a user who happens to be called "portal" is not.</summary>
    public static readonly Actor System = new("portal", "Portal");

    public bool IsSystem => ReferenceEquals(this, System);
}
