namespace Portal.Bench;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Testing;

/// <summary>One activity as the product path measured it: POST to completion as the API reported it, and what the activity says of itself.</summary>
internal sealed record ActivityRun(
    string Operation, double Seconds, double CpuSeconds, DateTimeOffset CreatedAt, DateTimeOffset StartedAt, DateTimeOffset CompletedAt,
    string? SnapshotId, string Log)
{
    /// <summary>From the activity's creation to its start: the time it waited in the queue for the worker.</summary>
    public double QueuedSeconds => (StartedAt - CreatedAt).TotalSeconds;

    /// <summary>From the activity's start to its completion, by its own clock.</summary>
    public double RunSeconds => (CompletedAt - StartedAt).TotalSeconds;
}

/// <summary>
/// A script's view of Portal: the REST API with the session cookie and X-Requested-With, as docs/access.md describes.
/// Snapshots and restores are started with a POST and followed by polling the activity until the API says complete.
/// </summary>
internal sealed class PortalApiClient(PortalProcess portal, HttpClient http, string projectId) : IDisposable
{
    // As a script would: often enough to follow progress, rarely enough that the polling itself costs Portal little CPU.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ActivityTimeout = TimeSpan.FromMinutes(30);

    public static async Task<PortalApiClient> SignInAsync(PortalProcess portal, string userId, string projectId, CancellationToken cancellationToken) =>
        new(portal, await portal.SignedInClientAsync(userId, cancellationToken), projectId);

    /// <summary>A safe (not live) snapshot of the environment; returns once the activity completed with success.</summary>
    public Task<ActivityRun> SnapshotAsync(string operation, string environment, CancellationToken cancellationToken) =>
        RunAsync(operation, $"api/projects/{projectId}/environments/{environment}/snapshots", new { live = false }, cancellationToken);

    /// <summary>A restore in place without a safety snapshot first, so only the restore is timed.</summary>
    public Task<ActivityRun> RestoreAsync(string operation, string environment, string snapshotId, CancellationToken cancellationToken) =>
        RunAsync(operation, $"api/projects/{projectId}/environments/{environment}/snapshots/{snapshotId}/restore", new { safety_snapshot = false }, cancellationToken);

    /// <summary>
    /// Untimed: snapshots and restores of a small environment, then a wait until Portal's CPU goes quiet. A fresh process
    /// compiles its code (optimised, as tiered compilation is off) as it first runs it; a Portal in service has long done so.
    /// </summary>
    public async Task WarmUpAsync(string environment, CancellationToken cancellationToken, int rounds = 2)
    {
        for (var i = 0; i < rounds; i++)
        {
            var warm = await SnapshotAsync("warm-up", environment, cancellationToken);
            await RestoreAsync("warm-up", environment, warm.SnapshotId!, cancellationToken);
        }

        await QuietAsync(cancellationToken);
    }

    /// <summary>Waits until Portal uses under a tenth of a core for a whole second (start-up work done), at most 30 s.</summary>
    private async Task QuietAsync(CancellationToken cancellationToken)
    {
        var until = Stopwatch.StartNew();
        var before = ProcessCpu.Seconds(portal.ProcessId);
        while (until.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var now = ProcessCpu.Seconds(portal.ProcessId);
            if (now - before < 0.1)
            {
                return;
            }

            before = now;
        }
    }

    /// <summary>The snapshot's uncompressed size (volumes + databases) and its size in the store, in bytes.</summary>
    public async Task<(long Size, long Stored)> SnapshotSizeAsync(string environment, string snapshotId, CancellationToken cancellationToken)
    {
        var snapshot = await http.GetFromJsonAsync<JsonElement>(new Uri($"api/projects/{projectId}/environments/{environment}/snapshots/{snapshotId}", UriKind.Relative), cancellationToken);
        return (snapshot.GetProperty("size_of_volumes").GetInt64() + snapshot.GetProperty("size_of_databases").GetInt64(), snapshot.GetProperty("size_stored").GetInt64());
    }

    public void Dispose() => http.Dispose();

    /// <summary>Queues a safe snapshot and returns at once with the activity as the POST answered it (pending, or already started).</summary>
    public Task<JsonElement> QueueSnapshotAsync(string environment, CancellationToken cancellationToken) =>
        PostAsync($"api/projects/{projectId}/environments/{environment}/snapshots", new { live = false }, cancellationToken);

    /// <summary>The activity as the API shows it now.</summary>
    public async Task<JsonElement> ActivityAsync(string id, CancellationToken cancellationToken) =>
        await http.GetFromJsonAsync<JsonElement>(new Uri($"api/projects/{projectId}/activities/{id}", UriKind.Relative), cancellationToken);

    private async Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private async Task<ActivityRun> RunAsync(string operation, string path, object body, CancellationToken cancellationToken)
    {
        var pid = portal.ProcessId;
        var cpu = ProcessCpu.Seconds(pid);
        var clock = Stopwatch.StartNew();
        var posted = DateTimeOffset.UtcNow;
        var activity = await PostAsync(path, body, cancellationToken);
        var id = activity.GetProperty("id").GetString()!;
        while (activity.GetProperty("state").GetString() != "complete")
        {
            if (clock.Elapsed > ActivityTimeout)
            {
                throw new TimeoutException($"{operation}: activity {id} did not complete within {ActivityTimeout.TotalMinutes:F0} minutes:\n{activity}");
            }

            await Task.Delay(PollInterval, cancellationToken);
            activity = await ActivityAsync(id, cancellationToken);
        }

        var cpuSeconds = ProcessCpu.Seconds(pid) - cpu;
        // From the POST to the moment Portal recorded the activity complete (one machine, one clock), not to the poll that saw it.
        var seconds = Math.Min(clock.Elapsed.TotalSeconds, (activity.GetProperty("completed_at").GetDateTimeOffset() - posted).TotalSeconds);
        var log = activity.GetProperty("log").GetString() ?? "";
        if (activity.GetProperty("result").GetString() != "success")
        {
            throw new InvalidOperationException($"{operation}: activity {id} ended with {activity.GetProperty("result")}:\n{log}");
        }

        return new ActivityRun(
            operation, seconds, cpuSeconds, activity.GetProperty("created_at").GetDateTimeOffset(), activity.GetProperty("started_at").GetDateTimeOffset(),
            activity.GetProperty("completed_at").GetDateTimeOffset(), activity.GetProperty("snapshot_id").GetString(), log);
    }
}
