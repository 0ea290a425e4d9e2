namespace Portal.Web.Components.Activities;

using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Web.Components.Shared;
using Portal.Web.Identity;

public partial class ActivityEntry
{
    private bool _expanded;
    private string? _log;
    private ElementReference _logElement;
    private ActivityUpdate? _logLoadedFor;

    [Inject] private ActivityFeedService Feed { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter, EditorRequired] public required Activity Activity { get; set; }

    /// <summary>The latest pushed progress while it runs; null when nothing was pushed since it was loaded.</summary>
    [Parameter] public ActivityUpdate? Live { get; set; }

    /// <summary>For snapshot entries: the snapshot, to offer a restore while it is restorable.</summary>
    [Parameter] public SnapshotView? Snapshot { get; set; }

    [Parameter] public EventCallback<Activity> OnRestore { get; set; }

    /// <summary>Whether the user may cancel this environment's snapshots, restores and deletions (its Admin).</summary>
    [Parameter] public bool CanCancel { get; set; }

    [Parameter] public EventCallback<Activity> OnCancel { get; set; }

    private ActivityState State => Live?.State ?? Activity.State;

    /// <summary>Who reported an outside activity, and through what; null for Portal's own entries.</summary>
    private ActivityReport? Report => ActivityReport.Of(Activity);

    private int Percent => Live?.CompletionPercent ?? Activity.CompletionPercent;

    private string ProgressText =>
        $"{Percent}%" + (Live?.EstimatedRemaining is { TotalSeconds: >= 1 } eta ? $" · about {Display.Duration(eta)} left" : "")
        + (Live?.Message is { } message ? $" · {message}" : "");

    private string ChipText => State == ActivityState.Complete && Activity.Result is { } result
        ? result.ToString().ToLowerInvariant()
        : Display.StateLabel(State);

    private Color ChipColor => (State, Activity.Result) switch
    {
        (ActivityState.Complete, ActivityResult.Success) => Color.Success,
        (ActivityState.Complete, ActivityResult.Failure) => Color.Error,
        (ActivityState.InProgress, _) => Color.Info,
        _ => Color.Default,
    };

    private string? DurationText => Activity is { StartedAt: { } started, CompletedAt: { } completed }
        ? Display.Duration(completed - started)
        : null;

    private string TypeIcon => Activity.Type switch
    {
        ActivityTypes.Snapshot => Icons.Material.Filled.Backup,
        ActivityTypes.Restore => Icons.Material.Filled.SettingsBackupRestore,
        ActivityTypes.SnapshotDelete => Icons.Material.Filled.DeleteOutline,
        ActivityTypes.SnapshotVerify => Icons.Material.Filled.FactCheck,
        ActivityTypes.Push => Icons.Material.Filled.Upload,
        ActivityTypes.Branch => Icons.Material.Filled.AccountTree,
        ActivityTypes.Merge => Icons.Material.Filled.MergeType,
        ActivityTypes.Sync => Icons.Material.Filled.Sync,
        ActivityTypes.Redeploy => Icons.Material.Filled.RocketLaunch,
        ActivityTypes.Cron => Icons.Material.Filled.Schedule,
        ActivityTypes.Variable => Icons.Material.Filled.Tune,
        _ => Icons.Material.Filled.Info,
    };

    /// <summary>While the log is open, each pushed change reads the stored log again (the worker writes it in batches).</summary>
    protected override async Task OnParametersSetAsync()
    {
        if (_expanded && Live is not null && !ReferenceEquals(Live, _logLoadedFor))
        {
            await LoadLogAsync();
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_expanded && State == ActivityState.InProgress)
        {
            try
            {
                await JS.InvokeVoidAsync("portal.followLog", _logElement);
            }
            catch (JSException)
            {
                // Following the log is a convenience; the log itself is shown.
            }
        }
    }

    private async Task ToggleLogAsync()
    {
        _expanded = !_expanded;
        if (_expanded)
        {
            await LoadLogAsync();
        }
    }

    private async Task LoadLogAsync()
    {
        _logLoadedFor = Live;
        try
        {
            _log = (await Feed.GetAsync(await Me.GetAsync(), Activity.ProjectId, Activity.Id, CancellationToken.None)).Log;
        }
        catch (PortalRefusedException refused)
        {
            Snackbar.Add(refused.Message, Severity.Warning);
        }
    }
}
