namespace Portal.Web.Components.Layout;

using MudBlazor;

/// <summary>
/// The one theme, light and dark. Every colour that carries text keeps a 7:1 contrast (WCAG AAA, axe's
/// color-contrast-enhanced) on the surface it is shown on: MudBlazor's defaults (primary #594ae2, status colours, the
/// dark theme's 50–70 % white text) reach 4.5:1 at best, so the primary and status colours are darker (light) or lighter
/// (dark), and the dark theme's text is whiter.
/// </summary>
public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3f31b0",
            AppbarBackground = "#3f31b0",
            TextSecondary = "rgba(0,0,0,0.7)",
            Success = "#1b5e20",
            Info = "#01579b",
            Warning = "#7a4800",
            Error = "#a31515",
        },
        PaletteDark = new PaletteDark
        {
            // Light enough to read as text on the dark surfaces, so filled buttons take dark text.
            Primary = "#cbc5ff",
            PrimaryContrastText = "rgba(0,0,0,0.87)",
            TextPrimary = "rgba(255,255,255,0.85)",
            TextSecondary = "rgba(255,255,255,0.75)",
            DrawerText = "rgba(255,255,255,0.8)",
            DrawerIcon = "rgba(255,255,255,0.8)",
            AppbarText = "rgba(255,255,255,0.85)",
            Success = "#c8e6c9",
            Info = "#bbdefb",
            Warning = "#ffe0b2",
            Error = "#ffcdd2",
        },
    };
}
