namespace Portal.Web.Components.Pages;

using Microsoft.AspNetCore.Components;
using Portal.Core.Projects;
using Portal.Web.Identity;

/// <summary>Every project the user has a role on, with how its environments are doing; searchable by title or id.</summary>
public sealed partial class Projects
{
    private IReadOnlyList<ProjectSummary>? _projects;
    private string? _search;

    [Inject] private ProjectOverviewService Overviews { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;

    private IEnumerable<ProjectSummary> Shown => (_projects ?? []).Where(p => Matches(p, _search));

    public static bool Matches(ProjectSummary project, string? search) =>
        string.IsNullOrWhiteSpace(search)
        || project.Title.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase)
        || project.Id.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase);

    protected override async Task OnInitializedAsync() =>
        _projects = await Overviews.ListAsync(await Me.GetAsync(), CancellationToken.None);
}
