namespace Portal.Web.Components.Snapshots;

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Contracts;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Web.Components.Shared;
using Portal.Web.Identity;

public partial class SnapshotsDialog
{
    private IReadOnlyList<SnapshotView>? _snapshots;
    private IReadOnlyList<Snapshot> _rotatedOut = [];
    private bool _live;
    private bool _creating;
    private string? _refusal;

    [Inject] private SnapshotService Snapshots { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Parameter, EditorRequired] public required string ProjectId { get; set; }
    [Parameter, EditorRequired] public required EnvironmentView View { get; set; }

    /// <summary>What a snapshot holds, by name: the services and mounts, never code.</summary>
    private string Contents
    {
        get
        {
            var services = Display.InOrder(View.Environment.Services).ToList();
            var databases = services.Where(s => s.Kind != ServiceKind.Mount).Select(s => $"{s.Name} ({Display.KindLabel(s.Kind)})");
            var mounts = services.Where(s => s.Kind == ServiceKind.Mount).Select(s => s.Name);
            return $"A snapshot captures the data of {View.Environment.Name}: {string.Join(", ", databases)}"
                + $" and the mounts {string.Join(", ", mounts)}. It never contains code.";
        }
    }

    /// <summary>Opens the dialog; the result is the snapshot or restore activity it started, if any.</summary>
    public static async Task<Activity?> ShowAsync(IDialogService dialogs, string projectId, EnvironmentView view)
    {
        var parameters = new DialogParameters<SnapshotsDialog>
        {
            { d => d.ProjectId, projectId },
            { d => d.View, view },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Large, FullWidth = true, CloseButton = true };
        var dialog = await dialogs.ShowAsync<SnapshotsDialog>($"Snapshots of {view.Environment.Title}", parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: Activity activity } ? activity : null;
    }

    protected override Task OnInitializedAsync() => LoadAsync();

    /// <summary>The list, and which snapshots a new one would rotate out (pins change both).</summary>
    private async Task LoadAsync()
    {
        try
        {
            var actor = await Me.GetAsync();
            _snapshots = await Snapshots.ListAsync(actor, ProjectId, View.Environment.Name, CancellationToken.None);
            _rotatedOut = await Snapshots.ReviewCreateAsync(actor, ProjectId, View.Environment.Name, CancellationToken.None);
        }
        catch (PortalRefusedException refused)
        {
            _snapshots = [];
            _refusal = refused.Message;
        }
    }

    private async Task CreateAsync()
    {
        _creating = true;
        try
        {
            var activity = await Snapshots.CreateAsync(await Me.GetAsync(), ProjectId, View.Environment.Name, _live, CancellationToken.None);
            Dialog.Close(DialogResult.Ok(activity));
        }
        catch (PortalRefusedException refused)
        {
            _refusal = refused.Message;
        }
        finally
        {
            _creating = false;
        }
    }

    private async Task TogglePinAsync(SnapshotView view)
    {
        var id = view.Snapshot.Id;
        if (!view.Snapshot.IsPinned)
        {
            if (await PinDialog.ShowAsync(Dialogs, ProjectId, View.Environment.Name, id) is not null)
            {
                Snackbar.Add($"Pinned snapshot {id}", Severity.Success);
                await LoadAsync();
            }

            return;
        }

        try
        {
            await Snapshots.UnpinAsync(await Me.GetAsync(), ProjectId, View.Environment.Name, id, CancellationToken.None);
            Snackbar.Add($"Unpinned snapshot {id}: retention applies to it again", Severity.Success);
            _refusal = null;
        }
        catch (PortalRefusedException refused)
        {
            _refusal = refused.Message;
        }

        await LoadAsync();
    }

    /// <summary>Queues a verify and closes, like Create, so the feed shows its progress.</summary>
    private async Task VerifyAsync(SnapshotView snapshot)
    {
        try
        {
            var activity = await Snapshots.VerifyAsync(await Me.GetAsync(), ProjectId, View.Environment.Name, snapshot.Snapshot.Id, CancellationToken.None);
            Dialog.Close(DialogResult.Ok(activity));
        }
        catch (PortalRefusedException refused)
        {
            _refusal = refused.Message;
        }
    }

    private async Task RestoreAsync(SnapshotView snapshot)
    {
        if (await RestoreDialog.ShowAsync(Dialogs, ProjectId, View.Environment.Name, snapshot.Snapshot.Id) is { } restore)
        {
            Dialog.Close(DialogResult.Ok(restore));
        }
    }
}
