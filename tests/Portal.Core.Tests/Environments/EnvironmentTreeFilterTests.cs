namespace Portal.Core.Tests.Environments;

using Portal.Core.Environments;

public sealed class EnvironmentTreeFilterTests
{
    [Fact]
    public void A_match_deep_in_the_tree_keeps_its_ancestors_and_hides_its_siblings_and_cousins()
    {
        var tree = Node("master", Node("staging", Node("integration", Node("feature-checkout"), Node("feature-search"))), Node("hotfix"));

        var visible = EnvironmentTreeFilter.Visible([tree], "CHECKOUT");

        Assert.Equal(["feature-checkout", "integration", "master", "staging"], visible.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_title_matches_as_well_as_the_branch_and_several_matches_under_one_parent_all_stay()
    {
        var tree = Node("master", Node("feature-a", title: "Spring sale"), Node("feature-b", title: "Summer sale"), Node("feature-c"));

        Assert.Equal(["feature-a", "feature-b", "master"], EnvironmentTreeFilter.Visible([tree], "sale").Order(StringComparer.Ordinal));
        Assert.Equal(4, EnvironmentTreeFilter.Visible([tree], "  ").Count);
        Assert.Empty(EnvironmentTreeFilter.Visible([tree], "nothing"));
    }

    private static EnvironmentNode Node(string name, params EnvironmentNode[] children) => Node(name, null, children);

    private static EnvironmentNode Node(string name, string? title, params EnvironmentNode[] children)
    {
        var environment = new ProjectEnvironment { ProjectId = "shop", Name = name, Title = title ?? name.ToUpperInvariant() };
        return new EnvironmentNode(new EnvironmentView(environment, null, null, null, []), children);
    }
}
