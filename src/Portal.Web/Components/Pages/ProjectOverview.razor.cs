namespace Portal.Web.Components.Pages;

using Microsoft.AspNetCore.Components;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Projects;
using Portal.Web.Components.Projects;
using Portal.Web.Identity;

/// <summary>Every environment of a project in one sortable, filterable table whose statuses and last activities follow live.</summary>
public sealed partial class ProjectOverview
{
    private Core.Projects.ProjectOverview? _overview;
    private string? _refusal;
    private string? _filter;
    private EnvironmentColumn _sortBy = EnvironmentColumn.Type;
    private bool _descending;
    private IDisposable? _subscription;
    private bool _reloading;
    private bool _reloadWanted;

    [Inject] private ProjectOverviewService Overviews { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private IActivityEvents Events { get; set; } = default!;

    [Parameter] public string ProjectId { get; set; } = "";

    public static string Href(string projectId) => $"projects/{Uri.EscapeDataString(projectId)}";

    private IEnumerable<EnvironmentRow> Shown =>
        EnvironmentColumns.Sort((_overview?.Environments ?? []).Where(r => EnvironmentColumns.Matches(r, _filter)), _sortBy, _descending);

    protected override void OnInitialized() => _subscription = Events.Subscribe(update =>
    {
        if (update.ProjectId == ProjectId || update.IsResync)
        {
            _ = InvokeAsync(() => ApplyAsync(update));
        }
    });

    protected override async Task OnParametersSetAsync()
    {
        if (_overview?.Project.Id != ProjectId)
        {
            _overview = null;
            await LoadAsync();
        }
    }

    private async Task LoadAsync()
    {
        try
        {
            _overview = await Overviews.GetAsync(await Me.GetAsync(), ProjectId, CancellationToken.None);
            _refusal = null;
        }
        catch (PortalRefusedException refused)
        {
            // Unknown projects and projects without a role answer the same, so nobody learns which exist.
            _overview = null;
            _refusal = refused.Message;
        }
    }

    /// <summary>Progress and statuses change the row in place; a new or ended activity reloads, as it changes the newest activity or last snapshot.</summary>
    private async Task ApplyAsync(ActivityUpdate update)
    {
        // A resync (updates from another node may have been missed) reloads like an ended activity.
        if (!update.IsResync)
        {
            if (_overview is not { } overview || overview.Environments.All(r => r.Environment.Id != update.EnvironmentId))
            {
                return;
            }

            _overview = overview with { Environments = [.. overview.Environments.Select(r => r.Environment.Id == update.EnvironmentId ? r.With(update) : r)] };
            StateHasChanged();
            if (!update.IsNew && update.State is not (ActivityState.Complete or ActivityState.Cancelled))
            {
                return;
            }
        }

        // Updates arrive on the renderer's context one at a time; one that comes during a reload asks for another after it.
        _reloadWanted = true;
        if (_reloading)
        {
            return;
        }

        _reloading = true;
        try
        {
            while (_reloadWanted)
            {
                _reloadWanted = false;
                await LoadAsync();
                StateHasChanged();
            }
        }
        finally
        {
            _reloading = false;
        }
    }

    private void SortBy(EnvironmentColumn column)
    {
        _descending = _sortBy == column && !_descending;
        _sortBy = column;
    }

    public void Dispose() => _subscription?.Dispose();
}
