namespace Portal.Web.Components.Projects;

using Portal.Core.Environments;
using Portal.Core.Projects;

public enum EnvironmentColumn
{
    Environment,
    Type,
    Status,
    LastSnapshot,
    LastActivity,
}

/// <summary>How the project overview sorts and filters its rows; kept out of the component so both read plainly.</summary>
public static class EnvironmentColumns
{
    /// <summary>Rows sorted by a column; ties (and missing values, last either way) fall back to the branch name.</summary>
    public static IEnumerable<EnvironmentRow> Sort(IEnumerable<EnvironmentRow> rows, EnvironmentColumn column, bool descending)
    {
        var ordered = column switch
        {
            EnvironmentColumn.Environment => Order(rows, r => r.Environment.Title.ToUpperInvariant(), descending),
            EnvironmentColumn.Type => Order(rows, r => (int)r.Environment.Type * 10 + (int)r.Environment.Plan, descending),
            EnvironmentColumn.Status => Order(rows, r => r.Environment.Status.ToApiName(), descending),
            EnvironmentColumn.LastSnapshot => Order(rows, r => r.LastSnapshotAt, descending),
            _ => Order(rows, r => r.LastActivity?.CreatedAt, descending),
        };
        return ordered.ThenBy(r => r.Environment.Name, StringComparer.Ordinal);
    }

    /// <summary>Every word must appear in the title, branch, type, plan, status or the last activity's result.</summary>
    public static bool Matches(EnvironmentRow row, string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return true;
        }

        var environment = row.Environment;
        var text = string.Join(' ', environment.Title, environment.Name, environment.Type.ToApiName(), environment.Plan,
            environment.Status.ToApiName(), row.LastActivity?.Result?.ToString() ?? "");
        return filter.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(word => text.Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    private static IOrderedEnumerable<EnvironmentRow> Order<T>(IEnumerable<EnvironmentRow> rows, Func<EnvironmentRow, T> key, bool descending)
    {
        // Rows without a value (no snapshot yet) stay at the end in both directions.
        var withValue = rows.OrderBy(r => key(r) is null);
        return descending ? withValue.ThenByDescending(key) : withValue.ThenBy(key);
    }
}
