namespace Portal.Core.Common;

/// <summary>Who asks: the signed-in user, an API token's owner, or Portal itself.</summary>
public sealed record Actor(string UserId, string DisplayName)
{
    public static readonly Actor System = new("portal", "Portal");
}
