namespace Portal.Api.Tests;

using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Activities;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;
using static Portal.Api.Tests.ActivityApi;

/// <summary>GET …/activities/{id}/events: server-sent events of a real snapshot, read through the HTTP pipeline as a script reads them.</summary>
public sealed class ActivityEventsTests
{
    [Fact]
    public async Task FollowingARunningSnapshotGivesItsLinesThenProgressAndNewLinesAndEndsWithTheResult()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        using var held = new HeldRun(Events(portal), u => u.Type == ActivityTypes.Snapshot && u.LogLine?.EndsWith("] snapshot started", StringComparison.Ordinal) == true);
        var queued = await QueueAsync(client, Snapshots);
        await held.Reached;

        using var response = await client.GetAsync(ActivityPath(Id(queued)) + "/events", HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var stream = new SseReader(await response.Content.ReadAsStreamAsync(ct));
        var first = await stream.NextAsync();
        Assert.Equal("log", first?.Type);
        Assert.EndsWith("] snapshot started", first!.Value.Data.GetProperty("line").GetString(), StringComparison.Ordinal);
        held.Release();
        var events = await stream.ToEndAsync();

        var progress = events.Where(e => e.Type == "progress").Select(e => e.Data).ToList();
        Assert.Contains(progress, p => p.GetProperty("state").GetString() == "in_progress" && p.GetProperty("completion_percent").GetInt32() > 0);
        var percents = progress.Select(p => p.GetProperty("completion_percent").GetInt32()).ToList();
        Assert.Equal(percents.Order(), percents);
        var lines = events.Where(e => e.Type == "log").Select(e => e.Data.GetProperty("line").GetString()!).Prepend(first.Value.Data.GetProperty("line").GetString()!).ToList();
        Assert.Contains(lines, l => l.EndsWith("] snapshot completed", StringComparison.Ordinal));
        var result = events[^1];
        Assert.Equal("result", result.Type);
        Assert.Equal(Id(queued), result.Data.GetProperty("id").GetString());
        Assert.Equal("complete", result.Data.GetProperty("state").GetString());
        Assert.Equal("success", result.Data.GetProperty("result").GetString());
        // Every line of the stored log came once, in order: none lost between what was read and what was published.
        Assert.Equal(result.Data.GetProperty("log").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries), lines);
    }

    [Fact]
    public async Task AFinishedActivityGivesItsLinesAndTheResultAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        var done = await EndedAsync(client, Id(await QueueAsync(client, Snapshots)));

        using var response = await client.GetAsync(ActivityPath(Id(done)) + "/events", HttpCompletionOption.ResponseHeadersRead, ct);
        using var stream = new SseReader(await response.Content.ReadAsStreamAsync(ct));
        var events = await stream.ToEndAsync();

        Assert.Equal(
            done.GetProperty("log").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            events.SkipLast(1).Select(e => Assert.IsType<string>(e.Type == "log" ? e.Data.GetProperty("line").GetString() : null)));
        Assert.Equal("result", events[^1].Type);
        Assert.Equal("complete", events[^1].Data.GetProperty("state").GetString());
        Assert.Equal(done.GetProperty("completed_at").GetDateTimeOffset(), events[^1].Data.GetProperty("completed_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task AnUnknownActivityIsNotFoundWithTheReason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);

        using var response = await client.GetAsync(ActivityPath("nosuchactivity") + "/events", ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Activity 'nosuchactivity' was not found.", (await JsonAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AClientThatGoesAwayGivesItsSubscriptionBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        var events = (InProcessActivityEvents)Events(portal);
        using var held = new HeldRun(events, u => u.Type == ActivityTypes.Snapshot && u.LogLine?.EndsWith("] snapshot started", StringComparison.Ordinal) == true);
        var queued = await QueueAsync(client, Snapshots);
        await held.Reached;
        var before = events.SubscriberCount;

        using (var response = await client.GetAsync(ActivityPath(Id(queued)) + "/events", HttpCompletionOption.ResponseHeadersRead, ct))
        {
            using var stream = new SseReader(await response.Content.ReadAsStreamAsync(ct));
            Assert.Equal("log", (await stream.NextAsync())?.Type);
            Assert.Equal(before + 1, events.SubscriberCount);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (events.SubscriberCount != before)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{events.SubscriberCount - before} subscription(s) outlived the client");
            await Task.Delay(50, ct);
        }

        held.Release();
        Assert.Equal("complete", (await EndedAsync(client, Id(queued))).GetProperty("state").GetString());
    }

    [Fact]
    public async Task FollowingAnActivityAnotherNodeRunsFillsMissedLinesFromTheDatabaseAndEndsOnAResyncOnceItFinished()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var portal = new PortalFactory();
        using var client = await portal.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        var contexts = portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        Activity remote;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            // An activity in progress that this node does not run: only the database and notifications know of it.
            remote = await db.Activities.OrderBy(a => a.Sequence).FirstAsync(ct);
            (remote.State, remote.Result, remote.CompletedAt, remote.CompletionPercent, remote.Log) =
                (ActivityState.InProgress, null, null, 10, "[00:00:01] a\n[00:00:02] b\n");
            await db.SaveChangesAsync(ct);
        }

        using var response = await client.GetAsync(ActivityPath(remote.Id) + "/events", HttpCompletionOption.ResponseHeadersRead, ct);
        using var stream = new SseReader(await response.Content.ReadAsStreamAsync(ct));
        var seen = new List<(string Type, JsonElement Data)>();
        for (var i = 0; i < 3; i++)
        {
            seen.Add((await stream.NextAsync())!.Value);
        }

        Assert.Equal("progress", seen[^1].Type);
        await AppendAsync("[00:00:03] c\n[00:00:04] d\n", ActivityState.InProgress);
        var update = new ActivityUpdate(remote.Id, remote.ProjectId, remote.EnvironmentId, remote.Type, ActivityState.InProgress, null, 50, "e", null);

        // Lines 2 and 3 were sent before this node heard anything: line 4 shows the gap.
        Events(portal).Publish(update with { LogLine = "[00:00:05] e", LogIndex = 4 });
        for (var i = 0; i < 4; i++)
        {
            seen.Add((await stream.NextAsync())!.Value);
        }

        // Line 5 and the end were missed altogether: the resync finds them in the database.
        await AppendAsync("[00:00:05] e\n[00:00:06] f\n", ActivityState.Complete);
        Events(portal).Publish(ActivityUpdate.Resync());
        seen.AddRange(await stream.ToEndAsync());

        Assert.Equal(["a", "b", "c", "d", "e", "f"], seen.Where(e => e.Type == "log").Select(e => e.Data.GetProperty("line").GetString()![11..]));
        Assert.Equal("result", seen[^1].Type);
        Assert.Equal("complete", seen[^1].Data.GetProperty("state").GetString());

        async Task AppendAsync(string lines, ActivityState state)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            await db.Activities.Where(a => a.Id == remote.Id).ExecuteUpdateAsync(set => set
                .SetProperty(a => a.Log, a => a.Log + lines)
                .SetProperty(a => a.State, state)
                .SetProperty(a => a.Result, state == ActivityState.Complete ? ActivityResult.Success : null), ct);
        }
    }

    private static IActivityEvents Events(PortalFactory portal) => portal.Services.GetRequiredService<IActivityEvents>();

    /// <summary>Reads "event:" / "data:" blocks of a text/event-stream, as an EventSource would.</summary>
    private sealed class SseReader(Stream stream) : IDisposable
    {
        private readonly StreamReader _reader = new(stream);

        public async Task<(string Type, JsonElement Data)?> NextAsync()
        {
            string? type = null;
            var data = new List<string>();
            while (await _reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Count > 0)
                    {
                        return (type ?? "message", JsonDocument.Parse(string.Join("\n", data)).RootElement.Clone());
                    }

                    continue;
                }

                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line["event:".Length..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Add(line["data:".Length..].TrimStart());
                }
            }

            return null;
        }

        /// <summary>Every event until the server ends the stream.</summary>
        public async Task<List<(string Type, JsonElement Data)>> ToEndAsync()
        {
            var events = new List<(string Type, JsonElement Data)>();
            while (await NextAsync() is { } next)
            {
                events.Add(next);
            }

            return events;
        }

        public void Dispose() => _reader.Dispose();
    }
}
