namespace Portal.Infrastructure.Persistence.Configurations;

/// <summary>The activity's shadow properties for running across nodes; Core's Activity does not know where work runs.</summary>
internal static class LeaseColumns
{
    public const string ClaimedBy = "ClaimedBy";
    public const string LeaseExpiresAt = "LeaseExpiresAt";
    public const string Placement = "Placement";

    /// <summary>The placement label every claiming node matches, and the label of a node that claims every environment.</summary>
    public const string AnyNode = "all";
}
