namespace Portal.E2E;

using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>What Chromium makes of Portal's one CSP: connect-src 'self' covers the circuit's same-origin websocket.</summary>
public sealed class SecurityHeaderTests : PortalPageTest
{
    protected override int MediaFiles => 5;

    [Fact]
    public async Task The_circuit_connects_over_its_websocket_under_connect_src_self_without_a_CSP_violation()
    {
        await Page.AddInitScriptAsync("""
            window.portalViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.portalViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));
            """);
        var frames = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Page.WebSocket += (_, socket) =>
        {
            if (socket.Url.Contains("/_blazor", StringComparison.Ordinal))
            {
                socket.FrameReceived += (_, _) => frames.TrySetResult(socket.Url);
            }
        };

        var document = await Page.GotoAsync(EnvironmentPath("develop-branch"));
        var url = await frames.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);

        Assert.StartsWith($"ws://{App.BaseUri.Authority}/_blazor", url, StringComparison.Ordinal);
        var csp = Assert.Single(await document!.HeadersArrayAsync(), h => h.Name.Equals("Content-Security-Policy", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("; connect-src 'self'; ", csp.Value, StringComparison.Ordinal);

        // A click reaches the server through the circuit, and nothing was blocked on the way.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Dialog, new() { Name = "Snapshots of Develop branch" })).ToBeVisibleAsync();
        Assert.Empty(await Page.EvaluateAsync<string[]>("() => window.portalViolations"));
    }
}
