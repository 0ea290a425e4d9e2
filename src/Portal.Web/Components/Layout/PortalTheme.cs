namespace Portal.Web.Components.Layout;

using MudBlazor;

/// <summary>
/// The one theme, light and dark. Status colours are darker (light) or lighter (dark) than MudBlazor's defaults so that
/// state chips and alerts keep a 4.5:1 contrast (WCAG AA) on their background.
/// </summary>
public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Success = "#2e7d32",
            Info = "#0266a8",
            Warning = "#9a5b00",
            Error = "#c62828",
        },
        PaletteDark = new PaletteDark
        {
            // Light enough to read as text on the dark surfaces, so filled buttons take dark text.
            Primary = "#b0a8ff",
            PrimaryContrastText = "rgba(0,0,0,0.87)",
            Success = "#81c784",
            Info = "#64b5f6",
            Warning = "#ffb74d",
            Error = "#ef9a9a",
        },
    };
}
