namespace Portal.Api.Tests;

using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Activities;
using Portal.Infrastructure.Demo;
using static Portal.Api.Tests.ActivityApi;

/// <summary>What scripts read off an activity without working it out: its duration, and the safety snapshot a restore takes.</summary>
public sealed class ActivityTimingTests
{
    [Fact]
    public async Task DurationIsNoneWhilePendingCountsWhileRunningAndIsStartToCompletionOnceDone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        using var held = new HeldRun(portal.Services.GetRequiredService<IActivityEvents>(),
            u => u is { Type: ActivityTypes.Snapshot, State: ActivityState.InProgress, CompletionPercent: > 0 });
        var running = await QueueAsync(client, Snapshots);
        await held.Reached;
        var pending = await QueueAsync(client, Snapshots);

        Assert.Equal(JsonValueKind.Null, pending.GetProperty("duration").ValueKind);
        var first = await GetAsync(client, Id(running));
        await Task.Delay(50, ct);
        var second = await GetAsync(client, Id(running));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("completed_at").ValueKind);
        Assert.True(first.GetProperty("duration").GetDouble() >= 0);
        Assert.True(second.GetProperty("duration").GetDouble() > first.GetProperty("duration").GetDouble(), "a running activity's duration counts up to now");

        held.Release();
        foreach (var id in new[] { Id(running), Id(pending) })
        {
            var done = await EndedAsync(client, id);
            var expected = (done.GetProperty("completed_at").GetDateTimeOffset() - done.GetProperty("started_at").GetDateTimeOffset()).TotalSeconds;
            Assert.Equal(expected, done.GetProperty("duration").GetDouble(), 3);
        }
    }

    [Fact]
    public async Task ARestoresAnswerNamesTheSafetySnapshotItTakesAndThatSnapshotIsThereAfterwards()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        var snapshot = await EndedAsync(client, Id(await QueueAsync(client, Snapshots)));
        Assert.Equal(JsonValueKind.Null, snapshot.GetProperty("safety_snapshot_id").ValueKind);
        var restorePath = $"{Snapshots}/{snapshot.GetProperty("snapshot_id").GetString()}/restore";

        var restore = await QueueAsync(client, restorePath);
        var safetyId = restore.GetProperty("safety_snapshot_id").GetString();
        Assert.False(string.IsNullOrEmpty(safetyId));
        var done = await EndedAsync(client, Id(restore));
        Assert.Equal("success", done.GetProperty("result").GetString());
        Assert.Equal(safetyId, done.GetProperty("safety_snapshot_id").GetString());
        var safety = JsonDocument.Parse(await client.GetStringAsync($"{Snapshots}/{safetyId}", ct)).RootElement;
        Assert.Equal("created", safety.GetProperty("status").GetString());
        Assert.True(safety.GetProperty("safety_snapshot").GetBoolean());
        Assert.True(safety.GetProperty("restorable").GetBoolean());

        var without = await QueueAsync(client, restorePath, "{\"safety_snapshot\": false}");
        Assert.Equal(JsonValueKind.Null, without.GetProperty("safety_snapshot_id").ValueKind);
        await EndedAsync(client, Id(without));
    }
}
