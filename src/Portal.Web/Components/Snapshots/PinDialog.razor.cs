namespace Portal.Web.Components.Snapshots;

using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Web.Identity;

public partial class PinDialog
{
    private string? _reason;
    private bool _pinning;
    private string? _refusal;

    [Inject] private SnapshotService Snapshots { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Parameter, EditorRequired] public required string ProjectId { get; set; }
    [Parameter, EditorRequired] public required string EnvironmentName { get; set; }
    [Parameter, EditorRequired] public required string SnapshotId { get; set; }

    /// <summary>Asks for the reason and pins; the result is the pinned snapshot, or null when cancelled.</summary>
    public static async Task<Snapshot?> ShowAsync(IDialogService dialogs, string projectId, string environmentName, string snapshotId)
    {
        var parameters = new DialogParameters<PinDialog>
        {
            { d => d.ProjectId, projectId },
            { d => d.EnvironmentName, environmentName },
            { d => d.SnapshotId, snapshotId },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseButton = true };
        var dialog = await dialogs.ShowAsync<PinDialog>("Pin snapshot", parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: Snapshot snapshot } ? snapshot : null;
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter" && !string.IsNullOrWhiteSpace(_reason))
        {
            await PinAsync();
        }
    }

    private async Task PinAsync()
    {
        if (_pinning)
        {
            return;
        }

        _pinning = true;
        try
        {
            var snapshot = await Snapshots.PinAsync(await Me.GetAsync(), ProjectId, EnvironmentName, SnapshotId, _reason, CancellationToken.None);
            Dialog.Close(DialogResult.Ok(snapshot));
        }
        catch (PortalRefusedException refused)
        {
            _refusal = refused.Message;
        }
        finally
        {
            _pinning = false;
        }
    }
}
