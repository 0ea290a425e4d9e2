namespace Portal.E2E;

using System.Security.Cryptography;
using System.Text;
using Portal.E2E.Support;
using static Microsoft.Playwright.Assertions;

/// <summary>The Admin verifies a snapshot from its row; a damaged one is then listed as not restorable, saying what is damaged.</summary>
public sealed class SnapshotVerifyTests : PortalPageTest
{
    protected override int MediaFiles => 5;

    [Fact]
    public async Task Admin_verifies_a_snapshot_and_after_an_object_is_damaged_the_list_says_it_is_not_restorable_and_why()
    {
        var content = $"written only by this test {Guid.NewGuid()}\n";
        await File.WriteAllTextAsync(Path.Combine(DemoFolder("develop-branch"), "var", "log", "verify-me.log"), content, Cancel);
        await OpenAsync(EnvironmentPath("develop-branch"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await ExpectSucceededAsync(Entries(Page, "snapshot").First);

        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Snapshots of Develop branch" });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await dialog.Locator("tbody tr").First.GetByRole(AriaRole.Button, new() { Name = "verify", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await ExpectSucceededAsync(Entries(Page, "snapshot verify").First);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        var row = dialog.Locator("tbody tr").First;
        await Expect(row.Locator(".portal-verified")).ToContainTextAsync("verified ");
        await Expect(row).ToContainTextAsync("yes, expires in");

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        var stored = Path.Combine(App.DataPath, "snapshots", "objects", hash[..2], hash[2..]);
        var bytes = await File.ReadAllBytesAsync(stored, Cancel);
        bytes[^1] ^= 0x01;
        await File.WriteAllBytesAsync(stored, bytes, Cancel);

        await row.GetByRole(AriaRole.Button, new() { Name = "verify", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        var failed = Entries(Page, "snapshot verify").First;
        await Expect(Chip(failed)).ToHaveTextAsync("failure", new() { Timeout = 120_000 });

        await Page.GetByRole(AriaRole.Button, new() { Name = "Snapshots", Exact = true }).ClickAsync();
        await Expect(row).ToContainTextAsync("failed its verification");
        await Expect(row).ToContainTextAsync(hash);
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "restore", Exact = true })).ToHaveCountAsync(0);
        await AssertAccessibleAsync("the Snapshots dialog with a damaged snapshot");
    }
}
