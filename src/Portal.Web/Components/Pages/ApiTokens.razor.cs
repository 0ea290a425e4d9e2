namespace Portal.Web.Components.Pages;

using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using Portal.Core.Access.Tokens;
using Portal.Core.Common;
using Portal.Web.Components.Tokens;
using Portal.Web.Identity;

/// <summary>The signed-in user's personal API tokens: create (the secret shown once), list with their last use, revoke.</summary>
public partial class ApiTokens
{
    private IReadOnlyList<(string, ApiToken)>? _tokens;
    private CreatedToken? _created;
    private string? _error;
    private bool _busy;

    [Inject] private ApiTokenService Tokens { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        var me = await Me.GetAsync();
        _tokens = [.. (await Tokens.ListAsync(me, default)).Select(t => (me.DisplayName, t))];
    }

    private async Task CreateAsync()
    {
        var dialog = await Dialogs.ShowAsync<CreateTokenDialog>("Create API token", new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: CreatedToken created })
        {
            _created = created;
            await LoadAsync();
        }
    }

    private async Task CopyAsync()
    {
        try
        {
            await JS.InvokeVoidAsync("navigator.clipboard.writeText", _created!.Secret);
            Snackbar.Add("Token copied to the clipboard.", Severity.Success);
        }
        catch (JSException)
        {
            // A browser may deny clipboard access (permissions, insecure origin); the field can still be selected by hand.
            Snackbar.Add("The browser did not allow copying: select the token in the field and copy it.", Severity.Warning);
        }
    }

    private async Task RevokeAsync(ApiToken token)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Revoke API token",
            $"Revoke '{token.Name}' ({token.Prefix}…)? Anything using it is refused from its next call. This cannot be undone.",
            yesText: "Revoke", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }

        _busy = true;
        try
        {
            await Tokens.RevokeAsync(await Me.GetAsync(), token.Id, default);
            Snackbar.Add($"Revoked '{token.Name}'.", Severity.Success);
            _error = null;
        }
        catch (PortalRefusedException refused)
        {
            _error = refused.Message;
        }
        finally
        {
            _busy = false;
        }

        await LoadAsync();
    }
}
