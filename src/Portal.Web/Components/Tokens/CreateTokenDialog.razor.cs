namespace Portal.Web.Components.Tokens;

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Access.Tokens;
using Portal.Core.Common;
using Portal.Web.Identity;

/// <summary>The token just made, with its secret: the only time the page has it.</summary>
public sealed record CreatedToken(ApiToken Token, string Secret);

public partial class CreateTokenDialog
{
    /// <summary>The expiries offered (days; 0 is never), the default first in the rules' sense: 90 days.</summary>
    public static readonly (int Days, string Label)[] Expiries =
        [(7, "7 days"), (30, "30 days"), (ApiTokenRules.DefaultExpiryDays, "90 days"), (365, "1 year"), (0, "Never")];

    private string? _name;
    private int _expiresInDays = ApiTokenRules.DefaultExpiryDays;
    private bool _readOnly;
    private bool _busy;
    private string? _error;

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private ApiTokenService Tokens { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;

    private async Task CreateAsync()
    {
        _busy = true;
        try
        {
            var (token, secret) = await Tokens.CreateAsync(await Me.GetAsync(), _name, _expiresInDays, _readOnly, default);
            Dialog.Close(DialogResult.Ok(new CreatedToken(token, secret)));
        }
        catch (PortalRefusedException refused)
        {
            _error = refused.Message;
        }
        finally
        {
            _busy = false;
        }
    }
}
