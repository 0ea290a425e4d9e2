namespace Portal.Web.Components.Environments;

using Microsoft.AspNetCore.Components;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Web.Identity;

public sealed partial class EnvironmentTree
{
    private List<(EnvironmentNode Node, int Depth)> _rows = [];
    private Dictionary<Guid, EnvironmentStatus> _statuses = [];
    private string? _loadedProject;
    private string? _refusal;
    private IDisposable? _subscription;

    [Inject] private EnvironmentDirectory Directory { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private IActivityEvents Events { get; set; } = default!;

    [Parameter, EditorRequired] public required string ProjectId { get; set; }

    /// <summary>The environment the page shows.</summary>
    [Parameter] public string? Selected { get; set; }

    protected override void OnInitialized() =>
        _subscription = Events.Subscribe(update =>
        {
            if (update.EnvironmentStatus is { } status)
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
            var tree = await Directory.GetTreeAsync(await Me.GetAsync(), ProjectId, CancellationToken.None);
            _rows = [.. Flatten(tree, 0)];
            _refusal = null;
        }
        catch (PortalRefusedException refused)
        {
            _rows = [];
            _refusal = refused.Message;
        }

        _statuses = _rows.ToDictionary(r => r.Node.View.Environment.Id, r => r.Node.View.Environment.Status);
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

    private static IEnumerable<(EnvironmentNode, int)> Flatten(IEnumerable<EnvironmentNode> nodes, int depth) =>
        nodes.SelectMany(n => Flatten(n.Children, depth + 1).Prepend((n, depth)));

    public void Dispose() => _subscription?.Dispose();
}
