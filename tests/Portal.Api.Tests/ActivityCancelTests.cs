namespace Portal.Api.Tests;

using System.Net;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Activities;
using Portal.Engine;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;
using static Portal.Api.Tests.ActivityApi;

/// <summary>POST …/activities/{id}/cancel through the HTTP pipeline, on real snapshot and restore runs of the demo environment.</summary>
public sealed class ActivityCancelTests
{
    [Fact]
    public async Task APendingSnapshotIsCancelledAtOnceWithAFeedLineSayingWho()
    {
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, TestContext.Current.CancellationToken);
        var (held, running) = await HoldASnapshotAsync(portal, client);
        using var holding = held;

        // One activity runs per environment: the second waits, pending, behind the held one.
        var waiting = await QueueAsync(client, Snapshots);
        Assert.Equal("pending", waiting.GetProperty("state").GetString());
        using var response = await PostAsync(client, ActivityPath(Id(waiting)) + "/cancel");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await JsonAsync(response);
        Assert.Equal("cancelled", answer.GetProperty("state").GetString());
        Assert.Equal(JsonValueKindNull, answer.GetProperty("result").ValueKind);
        var cancelled = await GetAsync(client, Id(waiting));
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.Equal("cancelled by Alice before it started", cancelled.GetProperty("reason").GetString());
        Assert.Contains("cancelled by Alice before it started", cancelled.GetProperty("log").GetString(), StringComparison.Ordinal);
        var snapshot = await SnapshotAsync(client, waiting.GetProperty("snapshot_id").GetString()!);
        Assert.Equal("failed", snapshot.GetProperty("status").GetString());
        Assert.False(snapshot.GetProperty("restorable").GetBoolean());

        held.Release();
        Assert.Equal("complete", (await EndedAsync(client, Id(running))).GetProperty("state").GetString());
        Assert.Equal("cancelled", (await GetAsync(client, Id(waiting))).GetProperty("state").GetString());
    }

    [Fact]
    public async Task ARunningSnapshotStopsCancelledAndLeavesNoSnapshotAndNothingInTheStore()
    {
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, TestContext.Current.CancellationToken);
        var (held, queued) = await HoldASnapshotAsync(portal, client);
        using var holding = held;

        using var response = await PostAsync(client, ActivityPath(Id(queued)) + "/cancel");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("in_progress", (await JsonAsync(response)).GetProperty("state").GetString());
        held.Release();

        var ended = await EndedAsync(client, Id(queued));
        Assert.Equal("cancelled", ended.GetProperty("state").GetString());
        Assert.Equal("cancelled by Alice", ended.GetProperty("reason").GetString());
        var log = ended.GetProperty("log").GetString()!;
        Assert.Contains("cancel requested by Alice: stopping at the next safe point", log, StringComparison.Ordinal);
        Assert.Contains("develop-branch active again", log, StringComparison.Ordinal);

        var snapshotId = queued.GetProperty("snapshot_id").GetString()!;
        var snapshot = await SnapshotAsync(client, snapshotId);
        Assert.Equal("failed", snapshot.GetProperty("status").GetString());
        Assert.False(snapshot.GetProperty("restorable").GetBoolean());
        Assert.False(await portal.Services.GetRequiredService<ISnapshotEngine>().HasManifestAsync(snapshotId, TestContext.Current.CancellationToken));
        // It was the first snapshot of this Portal: nothing it stored may remain (objects, manifest, temp files).
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(portal.DataPath, "snapshots"), "*", SearchOption.AllDirectories));
        var environment = JsonDocumentOf(await client.GetStringAsync($"/api/projects/{DemoSeeder.ProjectId}/environments/{Environment}", TestContext.Current.CancellationToken));
        Assert.Equal("active", environment.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ARestoreCancelledBeforeItReplacesAnythingLeavesEveryServiceByteForByteAsItWas()
    {
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, TestContext.Current.CancellationToken);

        var (_, ended, before, after) = await CancelARestoreAsync(portal, client, "{\"safety_snapshot\": false}",
            u => u.Message?.StartsWith("Preparing the restore", StringComparison.Ordinal) == true);

        Assert.Equal("cancelled", ended.GetProperty("state").GetString());
        Assert.Equal("cancelled by Alice", ended.GetProperty("reason").GetString());
        Assert.Equal(before, after);
        Assert.Equal(0, await JournalsAsync(portal));
    }

    [Fact]
    public async Task ARestoreCancelledWhileTakingItsSafetySnapshotLeavesTheServicesAndNoSafetySnapshot()
    {
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, TestContext.Current.CancellationToken);

        // The safety snapshot is the restore's 10–50 %.
        var (queued, ended, before, after) = await CancelARestoreAsync(portal, client, "{}", u => u.CompletionPercent is > 10 and < 50);

        Assert.Equal("cancelled", ended.GetProperty("state").GetString());
        var safetyId = queued.GetProperty("safety_snapshot_id").GetString()!;
        Assert.Equal("failed", (await SnapshotAsync(client, safetyId)).GetProperty("status").GetString());
        Assert.False(await portal.Services.GetRequiredService<ISnapshotEngine>().HasManifestAsync(safetyId, TestContext.Current.CancellationToken));
        Assert.Equal(before, after);
        Assert.Equal(0, await JournalsAsync(portal));
    }

    /// <summary>
    /// Snapshots the environment, changes it (so a restore that went through would show), queues a restore with
    /// <paramref name="body"/>, holds it at the first update <paramref name="at"/> matches, cancels it there (202) and
    /// waits for its end. Returns the 202 answer of the restore, its end, and the environment's files before and after.
    /// </summary>
    private static async Task<(System.Text.Json.JsonElement Queued, System.Text.Json.JsonElement Ended, string Before, string After)> CancelARestoreAsync(
        PortalFactory portal, HttpClient client, string body, Func<ActivityUpdate, bool> at)
    {
        var snapshot = await EndedAsync(client, Id(await QueueAsync(client, Snapshots)));
        var root = portal.Services.GetRequiredService<DemoSeeder>().EnvironmentRoot(Environment);
        await File.WriteAllTextAsync(Path.Combine(root, "var", "after-the-snapshot.txt"), "kept", TestContext.Current.CancellationToken);
        var before = Digest(root);

        using var held = new HeldRun(Events(portal), u => u is { Type: ActivityTypes.Restore, State: ActivityState.InProgress } && at(u));
        var restore = await QueueAsync(client, $"{Snapshots}/{snapshot.GetProperty("snapshot_id").GetString()}/restore", body);
        await held.Reached;
        using (var response = await PostAsync(client, ActivityPath(Id(restore)) + "/cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        held.Release();
        var ended = await EndedAsync(client, Id(restore));
        await RestoreLeftovers.AfterBackgroundRemovalAsync(root, ".*portal*");
        return (restore, ended, before, Digest(root));
    }

    [Fact]
    public async Task ARestoreThatIsReplacingServicesCannotBeCancelledAndFinishes()
    {
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, TestContext.Current.CancellationToken);
        var snapshot = await EndedAsync(client, Id(await QueueAsync(client, Snapshots)));

        // Held once every service holds the snapshot and the environment is given back: well past the journal's destructive phase.
        using var held = new HeldRun(Events(portal), u => u is { Type: ActivityTypes.Restore, EnvironmentStatus: Core.Environments.EnvironmentStatus.Active });
        var restore = await QueueAsync(client, $"{Snapshots}/{snapshot.GetProperty("snapshot_id").GetString()}/restore", "{\"safety_snapshot\": false}");
        await held.Reached;
        using var response = await PostAsync(client, ActivityPath(Id(restore)) + "/cancel");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("The restore is replacing the services of develop-branch and cannot stop now; it will finish.", problem.GetProperty("detail").GetString());
        Assert.Equal("ActivityCannotStop", problem.GetProperty("code").GetString());
        held.Release();
        var ended = await EndedAsync(client, Id(restore));
        Assert.Equal("complete", ended.GetProperty("state").GetString());
        Assert.Equal("success", ended.GetProperty("result").GetString());
    }

    [Fact]
    public async Task FinishedActivitiesUnknownOnesAndViewersAreRefusedWithTheReason()
    {
        await using var portal = new PortalFactory();
        using var alice = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, TestContext.Current.CancellationToken);
        using var carol = await portal.SignedInClientAsync(DemoSeeder.ViewerUserId, TestContext.Current.CancellationToken);
        var done = await EndedAsync(alice, Id(await QueueAsync(alice, Snapshots)));

        using var finished = await PostAsync(alice, ActivityPath(Id(done)) + "/cancel");
        Assert.Equal(HttpStatusCode.Conflict, finished.StatusCode);
        var detail = (await JsonAsync(finished)).GetProperty("detail").GetString()!;
        Assert.StartsWith($"Activity {Id(done)} already finished at ", detail, StringComparison.Ordinal);
        Assert.EndsWith(" (success); there is nothing to cancel.", detail, StringComparison.Ordinal);

        using var viewer = await PostAsync(carol, ActivityPath(Id(done)) + "/cancel");
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Equal("You need the Admin role on development environments to cancel snapshot activities; your role there is viewer.",
            (await JsonAsync(viewer)).GetProperty("detail").GetString());

        using var unknown = await PostAsync(alice, ActivityPath("nosuchactivity") + "/cancel");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("Activity 'nosuchactivity' was not found.", (await JsonAsync(unknown)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task CancellingTwiceSaysItWasAlreadyCancelled()
    {
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, TestContext.Current.CancellationToken);
        using var held = (await HoldASnapshotAsync(portal, client)).Held;
        var waiting = await QueueAsync(client, Snapshots);
        using (var first = await PostAsync(client, ActivityPath(Id(waiting)) + "/cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        using var second = await PostAsync(client, ActivityPath(Id(waiting)) + "/cancel");

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var detail = (await JsonAsync(second)).GetProperty("detail").GetString()!;
        Assert.StartsWith($"Activity {Id(waiting)} was already cancelled at ", detail, StringComparison.Ordinal);
        Assert.Equal("ActivityFinished", (await JsonAsync(second)).GetProperty("code").GetString());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    /// <summary>Queues a snapshot and holds its run once the capture has stored something.</summary>
    private static async Task<(HeldRun Held, System.Text.Json.JsonElement Activity)> HoldASnapshotAsync(PortalFactory portal, HttpClient client)
    {
        var held = new HeldRun(Events(portal), u => u is { Type: ActivityTypes.Snapshot, State: ActivityState.InProgress, CompletionPercent: > 0 });
        var queued = await QueueAsync(client, Snapshots);
        await held.Reached;
        return (held, queued);
    }

    /// <summary>Unfinished restores on record: a cancelled restore must leave none for the next start to "finish".</summary>
    private static async Task<int> JournalsAsync(PortalFactory portal)
    {
        var contexts = portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.RestoreJournals.CountAsync(TestContext.Current.CancellationToken);
    }

    private static IActivityEvents Events(PortalFactory portal) => portal.Services.GetRequiredService<IActivityEvents>();

    private static System.Text.Json.JsonElement JsonDocumentOf(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();

    private static async Task<System.Text.Json.JsonElement> SnapshotAsync(HttpClient client, string snapshotId) =>
        JsonDocumentOf(await client.GetStringAsync($"{Snapshots}/{snapshotId}", TestContext.Current.CancellationToken));

    /// <summary>Every file under the environment's folder, by relative path, with the SHA-256 of its bytes.</summary>
    private static string Digest(string root) => string.Join("\n", Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
        .Select(f => (Path: Path.GetRelativePath(root, f), Hash: Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))))
        .OrderBy(f => f.Path, StringComparer.Ordinal)
        .Select(f => $"{f.Path} {f.Hash}"));
}
