namespace Portal.Web.Components.Environments;

using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Web.Identity;

public sealed partial class EnvironmentTree
{
    private IReadOnlyList<EnvironmentNode> _tree = [];
    private List<(EnvironmentNode Node, int Depth)> _rows = [];
    private string? _filter;
    private IReadOnlySet<string>? _visible;
    private List<(EnvironmentNode Node, int Depth)> _shown = [];
    private string? _scrolledTo;
    private Dictionary<Guid, EnvironmentStatus> _statuses = [];
    private string? _loadedProject;
    private string? _refusal;
    private IDisposable? _subscription;

    [Inject] private EnvironmentDirectory Directory { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private IActivityEvents Events { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Parameter, EditorRequired] public required string ProjectId { get; set; }

    /// <summary>The environment the page shows.</summary>
    [Parameter] public string? Selected { get; set; }

    protected override void OnInitialized() =>
        _subscription = Events.Subscribe(update =>
        {
            if (update.IsResync)
            {
                _ = InvokeAsync(ResyncAsync);
            }
            else if (update.EnvironmentStatus is { } status)
            {
                _ = InvokeAsync(() => ShowStatus(update.ProjectId, update.EnvironmentId, status));
            }
        });

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedProject == ProjectId)
        {
            return;
        }

        _loadedProject = ProjectId;
        try
        {
            _tree = await Directory.GetTreeAsync(await Me.GetAsync(), ProjectId, CancellationToken.None);
            _rows = [.. Flatten(_tree, 0)];
            _refusal = null;
        }
        catch (PortalRefusedException refused)
        {
            _tree = [];
            _rows = [];
            _refusal = refused.Message;
        }

        Refilter(_filter);
        _statuses = _rows.ToDictionary(r => r.Node.View.Environment.Id, r => r.Node.View.Environment.Status);
    }

    /// <summary>What the filter leaves: matches and their ancestors, in tree order; the whole tree without a filter.</summary>
    private void Refilter(string? filter)
    {
        _filter = filter;
        _visible = string.IsNullOrWhiteSpace(filter) ? null : EnvironmentTreeFilter.Visible(_tree, filter);
        _shown = _visible is null ? _rows : [.. _rows.Where(r => _visible.Contains(r.Node.View.Environment.Name))];
    }

    /// <summary>Escape clears the filter; Enter opens the first environment that matches it (not an ancestor kept for context).</summary>
    private void FilterKey(KeyboardEventArgs args)
    {
        if (args.Key == "Escape")
        {
            Refilter(null);
        }
        else if (args.Key == "Enter" && !string.IsNullOrWhiteSpace(_filter)
            && _shown.Select(r => r.Node.View.Environment).FirstOrDefault(e => EnvironmentTreeFilter.Matches(e, _filter)) is { } first)
        {
            Navigation.NavigateTo(Pages.EnvironmentPage.Href(ProjectId, first.Name));
        }
    }

    /// <summary>The selected environment is brought into view once it is listed (a long tree would otherwise hide it).</summary>
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (Selected is null || Selected == _scrolledTo || _rows.All(r => r.Node.View.Environment.Name != Selected))
        {
            return;
        }

        _scrolledTo = Selected;
        try
        {
            await JS.InvokeVoidAsync("portal.revealCurrent", "nav[aria-label='Environments']");
        }
        catch (JSException)
        {
            // Scrolling is a convenience; a page without the script still works.
        }
    }

    private EnvironmentStatus StatusOf(ProjectEnvironment environment) => _statuses.GetValueOrDefault(environment.Id, environment.Status);

    /// <summary>An activity paused an environment or gave it back; only environments already listed change, so nothing hidden appears.</summary>
    private void ShowStatus(string projectId, Guid environmentId, EnvironmentStatus status)
    {
        if (projectId == ProjectId && _statuses.ContainsKey(environmentId))
        {
            _statuses[environmentId] = status;
            StateHasChanged();
        }
    }

    /// <summary>Status changes from another node may have been missed: the tree is read again.</summary>
    private async Task ResyncAsync()
    {
        _loadedProject = null;
        await OnParametersSetAsync();
        StateHasChanged();
    }

    private static IEnumerable<(EnvironmentNode, int)> Flatten(IEnumerable<EnvironmentNode> nodes, int depth) =>
        nodes.SelectMany(n => Flatten(n.Children, depth + 1).Prepend((n, depth)));

    public void Dispose() => _subscription?.Dispose();
}
