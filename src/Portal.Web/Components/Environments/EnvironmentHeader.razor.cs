namespace Portal.Web.Components.Environments;

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Web.Components.Snapshots;

public sealed partial class EnvironmentHeader : IDisposable
{
    private EnvironmentView? _given;
    private EnvironmentView _shown = default!;
    private IDisposable? _subscription;

    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private IActivityEvents Events { get; set; } = default!;

    [Parameter, EditorRequired] public required EnvironmentView View { get; set; }
    [Parameter, EditorRequired] public required string ProjectId { get; set; }

    /// <summary>A snapshot or restore was started from the dialog; the feed shows it at once.</summary>
    [Parameter] public EventCallback<Activity> OnActivityStarted { get; set; }

    private ProjectEnvironment Environment => _shown.Environment;

    protected override void OnInitialized() =>
        _subscription = Events.Subscribe(update =>
        {
            if (update.EnvironmentStatus is { } status)
            {
                _ = InvokeAsync(() => ShowStatus(update.ProjectId, update.EnvironmentId, status, update.EnvironmentStatusReason));
            }
        });

    protected override void OnParametersSet()
    {
        // A view the page (re)loaded is newer than any status heard before it; a re-render with the same view keeps the live status.
        if (!ReferenceEquals(_given, View))
        {
            _given = View;
            _shown = View;
        }
    }

    /// <summary>An activity paused the environment or gave it back: the status and the Snapshots button follow without a reload.</summary>
    private void ShowStatus(string projectId, Guid environmentId, EnvironmentStatus status, string? reason)
    {
        if (projectId == ProjectId && environmentId == _shown.Environment.Id
            && (status != _shown.Environment.Status || reason != _shown.Environment.StatusReason))
        {
            _shown = _shown.WithStatus(status, reason);
            StateHasChanged();
        }
    }

    private async Task OpenSnapshotsAsync()
    {
        if (await SnapshotsDialog.ShowAsync(Dialogs, ProjectId, _shown) is { } started)
        {
            await OnActivityStarted.InvokeAsync(started);
        }
    }

    public void Dispose() => _subscription?.Dispose();
}
