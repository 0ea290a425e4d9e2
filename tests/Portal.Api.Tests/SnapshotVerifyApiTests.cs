namespace Portal.Api.Tests;

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Infrastructure.Demo;
using static Portal.Api.Tests.ActivityApi;

/// <summary>POST …/snapshots/{id}/verify over the real engine and filesystem store, and what the snapshot then says.</summary>
public sealed class SnapshotVerifyApiTests
{
    [Fact]
    public async Task A_verify_passes_on_a_clean_snapshot_and_after_an_object_is_damaged_fails_and_the_snapshot_is_not_restorable_with_the_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        var content = $"written only by this test {Guid.NewGuid()}\n";
        await File.WriteAllTextAsync(Path.Combine(portal.DataPath, "demo", Environment, "var", "log", "verify-me.log"), content, ct);
        var taken = await EndedAsync(client, Id(await QueueAsync(client, Snapshots, """{"live":false}""")));
        Assert.Equal("success", taken.GetProperty("result").GetString());
        var snapshotId = taken.GetProperty("snapshot_id").GetString()!;
        Assert.Equal(JsonValueKind.Null, (await SnapshotAsync(client, snapshotId)).GetProperty("verified_at").ValueKind);

        var clean = await EndedAsync(client, Id(await QueueAsync(client, $"{Snapshots}/{snapshotId}/verify", "")));

        Assert.Equal(("environment.backup.verify", "success"), (clean.GetProperty("type").GetString(), clean.GetProperty("result").GetString()));
        var verified = await SnapshotAsync(client, snapshotId);
        Assert.True(verified.GetProperty("restorable").GetBoolean());
        Assert.Equal(JsonValueKind.String, verified.GetProperty("verified_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, verified.GetProperty("verify_failure").ValueKind);

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        var stored = Path.Combine(portal.DataPath, "snapshots", "objects", hash[..2], hash[2..]);
        var bytes = await File.ReadAllBytesAsync(stored, ct);
        bytes[^1] ^= 0x01;
        await File.WriteAllBytesAsync(stored, bytes, ct);

        var damaged = await EndedAsync(client, Id(await QueueAsync(client, $"{Snapshots}/{snapshotId}/verify", "")));

        Assert.Equal("failure", damaged.GetProperty("result").GetString());
        var reason = damaged.GetProperty("reason").GetString()!;
        Assert.Contains(hash, reason, StringComparison.Ordinal);
        var snapshot = await SnapshotAsync(client, snapshotId);
        Assert.False(snapshot.GetProperty("restorable").GetBoolean());
        Assert.Equal(reason, snapshot.GetProperty("verify_failure").GetString());
        Assert.EndsWith($"cannot be restored: {reason}", snapshot.GetProperty("not_restorable_reason").GetString(), StringComparison.Ordinal);
        using var restore = await PostAsync(client, $"{Snapshots}/{snapshotId}/restore", "{}");
        Assert.Equal(HttpStatusCode.Conflict, restore.StatusCode);
        Assert.Equal(snapshot.GetProperty("not_restorable_reason").GetString(), (await JsonAsync(restore)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Verify_answers_404_for_an_unknown_snapshot_and_409_for_one_with_no_stored_data()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        var failed = await portal.AddSnapshotAsync(Environment, DateTimeOffset.UtcNow.AddHours(-1), Core.Snapshots.SnapshotStatus.Failed, ct);

        using var unknown = await PostAsync(client, $"{Snapshots}/zzzzzzzzzzzz/verify");
        using var noData = await PostAsync(client, $"{Snapshots}/{failed.Id}/verify");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, noData.StatusCode);
        Assert.Equal($"Snapshot {failed.Id} failed; it has no stored data to verify.", (await JsonAsync(noData)).GetProperty("detail").GetString());
    }

    private static async Task<JsonElement> SnapshotAsync(HttpClient client, string snapshotId) =>
        JsonDocument.Parse(await client.GetStringAsync($"{Snapshots}/{snapshotId}", TestContext.Current.CancellationToken)).RootElement.Clone();
}
