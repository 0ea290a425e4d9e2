namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>Portal follows the system's dark mode, and stays readable there.</summary>
public sealed class DarkThemeTests : PortalPageTest
{
    protected override int MediaFiles => 5;

    protected override ColorScheme BrowserColorScheme => ColorScheme.Dark;

    [Fact]
    public async Task A_system_in_dark_mode_gets_the_dark_theme_without_contrast_problems()
    {
        await OpenAsync(EnvironmentPath("develop-branch"));

        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Use the light theme" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("the environment page in dark mode");
        await ScreenshotAsync("dark");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Use the light theme" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Use the dark theme" })).ToBeVisibleAsync();
    }
}
