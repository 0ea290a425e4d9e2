namespace Portal.Core.Environments;

/// <summary>The environment tree's filter: what matches a text, and what must stay visible so each match keeps its place.</summary>
public static class EnvironmentTreeFilter
{
    /// <summary>The title or the branch contains the text, ignoring case; an empty text matches everything.</summary>
    public static bool Matches(ProjectEnvironment environment, string? text)
    {
        var search = text?.Trim();
        return string.IsNullOrEmpty(search)
            || environment.Title.Contains(search, StringComparison.OrdinalIgnoreCase)
            || environment.Name.Contains(search, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The names of the environments to show: each match and every ancestor of one, so a deep match keeps its path.</summary>
    public static IReadOnlySet<string> Visible(IEnumerable<EnvironmentNode> roots, string? text)
    {
        var visible = new HashSet<string>(StringComparer.Ordinal);

        bool Visit(EnvironmentNode node)
        {
            // Every child is visited (no short-circuit): several branches under one parent may match.
            var childShown = node.Children.Select(Visit).ToList().Contains(true);
            var shown = childShown || Matches(node.View.Environment, text);
            if (shown)
            {
                visible.Add(node.View.Environment.Name);
            }

            return shown;
        }

        foreach (var root in roots)
        {
            Visit(root);
        }

        return visible;
    }
}
