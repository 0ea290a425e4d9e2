namespace Portal.Web.Components.Activities;

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Web.Components.Shared;
using Portal.Web.Components.Snapshots;
using Portal.Web.Identity;

public sealed partial class ActivityFeed
{
    private const string AllTypes = "all types";
    private const string AnyState = "any state";
    private const string AnyResult = "any result";
    private const int PageSize = 20;

    private readonly Dictionary<string, ActivityUpdate> _live = new(StringComparer.Ordinal);
    private Dictionary<string, SnapshotView> _snapshots = new(StringComparer.Ordinal);
    private List<Activity>? _items;
    private ActivityCursor? _next;
    private List<string> _typeLabels = [];
    private string _type = AllTypes;
    private string _state = AnyState;
    private string _result = AnyResult;
    private string? _applied;
    private bool _loadingMore;
    private bool _canCancel;
    private string? _refusal;
    private IDisposable? _subscription;

    [Inject] private ActivityFeedService Feed { get; set; } = default!;
    [Inject] private SnapshotService Snapshots { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private IActivityEvents Events { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ActivityCancelService Cancels { get; set; } = default!;
    [Inject] private Core.Access.UserAccessService Access { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter, EditorRequired] public required string ProjectId { get; set; }
    [Parameter, EditorRequired] public required ProjectEnvironment Environment { get; set; }

    /// <summary>Filters from the URL query: a type label or name, a state ("in_progress"), a result ("failure").</summary>
    [Parameter] public string? Type { get; set; }
    [Parameter] public string? State { get; set; }
    [Parameter] public string? Result { get; set; }

    /// <summary>An activity of this environment started or finished: the top pane may show a new status or last snapshot time.</summary>
    [Parameter] public EventCallback OnActivityStateChanged { get; set; }

    private string EmptyText => _type == AllTypes && _state == AnyState && _result == AnyResult
        ? $"Nothing has happened on {Environment.Name} yet. Take a snapshot with the Snapshots button above; it shows here as it runs."
        : "No messages match these filters. Choose \"all types\", \"any state\" and \"any result\" to see everything.";

    protected override void OnInitialized() =>
        _subscription = Events.Subscribe(update =>
        {
            if (update.IsResync)
            {
                _ = InvokeAsync(ResyncAsync);
            }
            else if (update.ProjectId == ProjectId && update.EnvironmentId == Environment.Id)
            {
                _ = InvokeAsync(() => ApplyAsync(update));
            }
        });

    protected override async Task OnParametersSetAsync()
    {
        _type = Type is { Length: > 0 } t && ActivityTypes.FromLabelOrName(t) is { } name ? ActivityTypes.Label(name) : AllTypes;
        _state = State is "pending" or "in_progress" or "complete" or "cancelled" ? State : AnyState;
        _result = Result is "success" or "failure" ? Result : AnyResult;
        if (_applied != FilterKey)
        {
            await ReloadAsync();
        }
    }

    private string FilterKey => $"{Environment.Id}|{_type}|{_state}|{_result}";

    /// <summary>Loads the first page again (after a filter change, or when a new activity starts).</summary>
    public async Task ReloadAsync()
    {
        _applied = FilterKey;
        var page = await LoadPageAsync(null);
        if (page is not null)
        {
            _items = [.. page.Items];
            _next = page.Next;
        }

        StateHasChanged();
    }

    private async Task LoadMoreAsync()
    {
        _loadingMore = true;
        if (await LoadPageAsync(_next) is { } page)
        {
            _items?.AddRange(page.Items.Where(a => _items.All(i => i.Id != a.Id)));
            _next = page.Next;
        }

        _loadingMore = false;
    }

    private async Task<ActivityPage?> LoadPageAsync(ActivityCursor? after)
    {
        try
        {
            var actor = await Me.GetAsync();
            var query = new ActivityQuery
            {
                ProjectId = ProjectId,
                EnvironmentName = Environment.Name,
                Types = _type == AllTypes ? [] : [ActivityTypes.FromLabelOrName(_type) ?? _type],
                States = _state == AnyState ? [] : [Enum.Parse<ActivityState>(_state.Replace("_", ""), ignoreCase: true)],
                Results = _result == AnyResult ? [] : [Enum.Parse<ActivityResult>(_result, ignoreCase: true)],
                After = after,
                PageSize = PageSize,
            };
            var page = await Feed.ListAsync(actor, query, CancellationToken.None);
            if (after is null)
            {
                await LoadSideDataAsync(actor);
            }

            _refusal = null;
            return page;
        }
        catch (PortalRefusedException refused)
        {
            _refusal = refused.Message;
            _items ??= [];
            return null;
        }
    }

    /// <summary>The type options (those present, plus snapshot and restore) and which snapshots can be restored.</summary>
    private async Task LoadSideDataAsync(Actor actor)
    {
        var present = await Feed.ListTypesAsync(actor, ProjectId, Environment.Name, CancellationToken.None);
        _typeLabels = [.. new[] { ActivityTypes.Snapshot, ActivityTypes.Restore }
            .Concat(present.Where(t => t is not (ActivityTypes.Snapshot or ActivityTypes.Restore)).Order(StringComparer.Ordinal))
            .Select(ActivityTypes.Label)];
        var snapshots = await Snapshots.ListAsync(actor, ProjectId, Environment.Name, CancellationToken.None);
        _snapshots = snapshots.ToDictionary(s => s.Snapshot.Id, StringComparer.Ordinal);
        // The button is a convenience; the application layer checks the role again when it is pressed.
        _canCancel = (await Access.MyRolesAsync(actor, ProjectId, CancellationToken.None)).RoleOn(Environment.Type) == Core.Access.EnvironmentRole.Admin;
    }

    private SnapshotView? SnapshotOf(Activity activity) =>
        activity.Type == ActivityTypes.Snapshot && activity.SnapshotId is { } id ? _snapshots.GetValueOrDefault(id) : null;

    /// <summary>A live change pushed by the worker: new activities reload the list, the others update their entry in place.</summary>
    private async Task ApplyAsync(ActivityUpdate update)
    {
        if (update.IsNew)
        {
            await ReloadAsync();
            return;
        }

        var shown = _items?.Find(a => a.Id == update.ActivityId);
        if (shown is null)
        {
            return;
        }

        _live[update.ActivityId] = update;
        if (update.State != shown.State)
        {
            // Started or finished: read the stored activity again for its times, result and reason.
            await RefreshEntryAsync(update);
        }

        StateHasChanged();
    }

    /// <summary>Updates from another node may have been missed: the list, and through the page the top pane, are read again.</summary>
    private async Task ResyncAsync()
    {
        _live.Clear();
        await ReloadAsync();
        await OnActivityStateChanged.InvokeAsync();
    }

    private async Task RefreshEntryAsync(ActivityUpdate update)
    {
        try
        {
            var actor = await Me.GetAsync();
            var stored = await Feed.GetAsync(actor, ProjectId, update.ActivityId, CancellationToken.None);

            // Other updates may have reloaded the list meanwhile: replace the entry wherever it is now.
            var index = _items?.FindIndex(a => a.Id == stored.Id) ?? -1;
            if (index >= 0)
            {
                _items![index] = stored;
            }

            if (update.State is ActivityState.Complete or ActivityState.Cancelled)
            {
                _live.Remove(update.ActivityId);
                await LoadSideDataAsync(actor);
            }

            await OnActivityStateChanged.InvokeAsync();
        }
        catch (PortalRefusedException refused)
        {
            _refusal = refused.Message;
        }
    }

    private Task TypeChangedAsync(string value) => FilterChangedAsync(() => _type = value);

    private Task StateChangedAsync(string value) => FilterChangedAsync(() => _state = value);

    private Task ResultChangedAsync(string value) => FilterChangedAsync(() => _result = value);

    /// <summary>Applies the filter at once and writes it to the URL, so a reload or a shared link keeps it.</summary>
    private async Task FilterChangedAsync(Action set)
    {
        set();
        await ReloadAsync();
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["type"] = _type == AllTypes ? null : _type,
            ["state"] = _state == AnyState ? null : _state,
            ["result"] = _result == AnyResult ? null : _result,
        }));
    }

    private async Task RestoreAsync(Activity snapshotActivity)
    {
        if (snapshotActivity.SnapshotId is { } id && await RestoreDialog.ShowAsync(Dialogs, ProjectId, Environment.Name, id) is not null)
        {
            await ReloadAsync();
        }
    }

    /// <summary>A pending activity is cancelled at once; a running one stops at its next safe point, or the refusal says why it cannot.</summary>
    private async Task CancelAsync(Activity activity)
    {
        try
        {
            var now = await Cancels.CancelAsync(await Me.GetAsync(), ProjectId, activity.Id, CancellationToken.None);
            Snackbar.Add(now.State == ActivityState.Cancelled ? $"Cancelled: {activity.Text}" : $"Stopping at the next safe point: {activity.Text}", Severity.Info);
        }
        catch (PortalRefusedException refused)
        {
            Snackbar.Add(refused.Message, Severity.Warning);
        }
    }

    public void Dispose() => _subscription?.Dispose();
}
