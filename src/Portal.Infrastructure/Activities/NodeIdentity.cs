namespace Portal.Infrastructure.Activities;

using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Persistence.Configurations;

/// <summary>
/// Who this node is among the nodes of one PostgreSQL database: the name it claims activities under, and the placement labels
/// of the environments whose data it reaches (docs/adr/0009-activities-across-nodes.md).
/// </summary>
public sealed class NodeIdentity
{
    public NodeIdentity(IOptions<ActivityOptions> options)
    {
        var settings = options.Value;
        // Random per start unless configured, so two processes can never run under one name by mistake.
        NodeId = string.IsNullOrWhiteSpace(settings.NodeId)
            ? $"{Environment.MachineName}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}"
            : settings.NodeId;
        Labels = settings.ClaimsEnabled ? [.. settings.NodeLabels ?? [LeaseColumns.AnyNode]] : [];
    }

    public string NodeId { get; }

    /// <summary>Empty on a web-only node.</summary>
    public IReadOnlyList<string> Labels { get; }

    public bool ClaimsWork => Labels.Count > 0;

    /// <summary>Whether this node runs every environment, whatever its label.</summary>
    public bool ClaimsAll => Labels.Contains(LeaseColumns.AnyNode, StringComparer.Ordinal);

    /// <summary>An environment labelled "all" runs on any node that claims work; another label needs a node that has it (or "all").</summary>
    public bool CanRun(string placement) =>
        ClaimsWork && (ClaimsAll || placement == LeaseColumns.AnyNode || Labels.Contains(placement, StringComparer.Ordinal));
}
