namespace Portal.Web.Components.Snapshots;

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Web.Identity;

public partial class RestoreDialog
{
    private RestoreReview? _review;
    private bool _safety = true;
    private bool _restoring;
    private string? _refusal;

    [Inject] private SnapshotService Snapshots { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;
    [CascadingParameter] private TimeZoneInfo? Zone { get; set; }

    [Parameter, EditorRequired] public required string ProjectId { get; set; }
    [Parameter, EditorRequired] public required string EnvironmentName { get; set; }
    [Parameter, EditorRequired] public required string SnapshotId { get; set; }

    /// <summary>Opens the review; the result is the restore activity once the user confirmed, else null.</summary>
    public static async Task<Activity?> ShowAsync(IDialogService dialogs, string projectId, string environmentName, string snapshotId)
    {
        var parameters = new DialogParameters<RestoreDialog>
        {
            { d => d.ProjectId, projectId },
            { d => d.EnvironmentName, environmentName },
            { d => d.SnapshotId, snapshotId },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseButton = true };
        var dialog = await dialogs.ShowAsync<RestoreDialog>("Restore snapshot", parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: Activity activity } ? activity : null;
    }

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _review = await Snapshots.ReviewRestoreAsync(await Me.GetAsync(), ProjectId, EnvironmentName, SnapshotId, null, CancellationToken.None);
            _safety = _review.SafetySnapshotByDefault;
        }
        catch (PortalRefusedException refused)
        {
            _refusal = refused.Message;
        }
    }

    private async Task RestoreAsync()
    {
        _restoring = true;
        try
        {
            var restore = new Portal.Core.Snapshots.RestoreOptions { TakeSafetySnapshot = _safety };
            var activity = await Snapshots.RestoreAsync(await Me.GetAsync(), ProjectId, EnvironmentName, SnapshotId, restore, CancellationToken.None);
            Dialog.Close(DialogResult.Ok(activity));
        }
        catch (PortalRefusedException refused)
        {
            _refusal = refused.Message;
        }
        finally
        {
            _restoring = false;
        }
    }
}
