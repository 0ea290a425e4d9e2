namespace Portal.Web.Components.Snapshots;

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Common;
using Portal.Core.Schedules;
using Portal.Web.Identity;

public partial class ScheduleEditor
{
    private ScheduleView? _view;
    private string _cron = "";
    private bool _live;
    private bool _saving;
    private string? _problem;
    private IReadOnlyList<DateTimeOffset> _runs = [];

    [Inject] private ScheduleService Schedules { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    [Parameter, EditorRequired] public required string ProjectId { get; set; }
    [Parameter, EditorRequired] public required string EnvironmentName { get; set; }

    private DateTimeOffset Now => Time.GetUtcNow();

    private string Help => $"minute hour day month weekday, in {_view!.TimeZone.Id}; at most hourly";

    /// <summary>Saving is refused while the expression is not valid, besides what the rules say about the user.</summary>
    private string? SaveReason => _view?.CannotEdit?.Message ?? _problem ?? (_cron.Trim().Length == 0 ? "Type a cron expression first." : null);

    protected override async Task OnInitializedAsync()
    {
        try
        {
            Show(await Schedules.GetAsync(await Me.GetAsync(), ProjectId, EnvironmentName, CancellationToken.None));
        }
        catch (PortalRefusedException refused)
        {
            Snackbar.Add(refused.Message, Severity.Warning);
        }
    }

    private void CronChanged(string? value)
    {
        _cron = value ?? "";
        if (_cron.Trim().Length == 0)
        {
            (_runs, _problem) = ([], null);
            return;
        }

        (_runs, var problem) = Schedules.Preview(_cron, _view!.TimeZone);
        _problem = problem?.Message;
    }

    private async Task SaveAsync()
    {
        _saving = true;
        try
        {
            Show(await Schedules.SetAsync(await Me.GetAsync(), ProjectId, EnvironmentName, _cron, _live, CancellationToken.None));
            Snackbar.Add($"{EnvironmentName} is snapshotted on schedule: {_view!.Schedule!.Cron} ({_view.TimeZone.Id}).", Severity.Success);
        }
        catch (PortalRefusedException refused)
        {
            _problem = refused.Message;
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task RemoveAsync()
    {
        _saving = true;
        try
        {
            Show(await Schedules.RemoveAsync(await Me.GetAsync(), ProjectId, EnvironmentName, CancellationToken.None));
            Snackbar.Add($"{EnvironmentName} has no schedule any more.", Severity.Success);
        }
        catch (PortalRefusedException refused)
        {
            Snackbar.Add(refused.Message, Severity.Warning);
        }
        finally
        {
            _saving = false;
        }
    }

    private void Show(ScheduleView view)
    {
        _view = view;
        _cron = view.Schedule?.Cron ?? "";
        _live = view.Schedule?.Live ?? false;
        _runs = view.NextRuns;
        _problem = null;
    }
}
