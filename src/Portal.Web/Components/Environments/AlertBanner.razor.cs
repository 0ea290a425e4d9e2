namespace Portal.Web.Components.Environments;

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Alerts;
using Portal.Core.Common;
using Portal.Web.Identity;

/// <summary>
/// Alerts are raised by a background job on whichever node runs it, so the banner reads them again every
/// <see cref="RefreshEvery"/> as well as when the page says an activity changed.
/// </summary>
public partial class AlertBanner
{
    private readonly CancellationTokenSource _stop = new();
    private EnvironmentAlerts? _alerts;
    private Task? _refreshing;

    [Inject] private AlertService Alerts { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    [Parameter, EditorRequired] public required string ProjectId { get; set; }
    [Parameter, EditorRequired] public required string EnvironmentName { get; set; }

    [Parameter] public TimeSpan RefreshEvery { get; set; } = TimeSpan.FromSeconds(5);

    public async Task ReloadAsync()
    {
        try
        {
            _alerts = await Alerts.ListOpenAsync(await Me.GetAsync(), ProjectId, EnvironmentName, _stop.Token);
        }
        catch (PortalRefusedException)
        {
            // The page itself says why the environment cannot be shown.
            _alerts = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_refreshing is not null)
        {
            await _refreshing;
        }

        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override async Task OnParametersSetAsync() => await ReloadAsync();

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _refreshing = RefreshAsync();
        }
    }

    private static Severity SeverityOf(Alert alert) => alert.Kind == AlertKind.ActivityFailed ? Severity.Error : Severity.Warning;

    private async Task RefreshAsync()
    {
        using var timer = new PeriodicTimer(RefreshEvery, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await InvokeAsync(async () =>
                {
                    await ReloadAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The page was left.
        }
    }

    private async Task DismissAsync(Alert alert)
    {
        try
        {
            await Alerts.DismissAsync(await Me.GetAsync(), ProjectId, EnvironmentName, alert.Id, CancellationToken.None);
            Snackbar.Add("Alert dismissed.", Severity.Info);
        }
        catch (PortalRefusedException refused)
        {
            Snackbar.Add(refused.Message, Severity.Warning);
        }

        await ReloadAsync();
    }
}
