namespace Portal.Web.Components.Shared;

using MudBlazor;
using Portal.Core.Common;

/// <summary>Every refusal from the application layer reaches the user as its own message, never as a raw exception.</summary>
public static class Refusals
{
    /// <summary>Runs the call; a refusal becomes a snackbar with its message and the result is the default.</summary>
    public static async Task<T?> TryAsync<T>(this ISnackbar snackbar, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (PortalRefusedException refused)
        {
            snackbar.Add(refused.Message, Severity.Warning);
            return default;
        }
    }
}
