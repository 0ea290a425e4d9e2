namespace Portal.Api.Tests;

using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Core.Activities;
using Portal.Infrastructure.Demo;

/// <summary>Calls of the activity API as a script makes them, for the tests of cancel, events, duration and the safety snapshot.</summary>
internal static class ActivityApi
{
    public const string Environment = "develop-branch";
    public const string Snapshots = $"/api/projects/{DemoSeeder.ProjectId}/environments/{Environment}/snapshots";

    public static string ActivityPath(string id) => $"/api/projects/{DemoSeeder.ProjectId}/activities/{id}";

    /// <summary>A state-changing call with the header the API asks of cookie-authenticated calls.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Queues an activity and returns its 202 answer.</summary>
    public static async Task<JsonElement> QueueAsync(HttpClient client, string path, string body = "{}")
    {
        using var response = await PostAsync(client, path, body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await JsonAsync(response);
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, string id) =>
        JsonDocument.Parse(await client.GetStringAsync(ActivityPath(id), TestContext.Current.CancellationToken)).RootElement;

    /// <summary>Polls until the activity ended (complete or cancelled); these tests are about the end, not the wait.</summary>
    public static async Task<JsonElement> EndedAsync(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var activity = await GetAsync(client, id);
            if (activity.GetProperty("state").GetString() is "complete" or "cancelled")
            {
                return activity;
            }

            Assert.True(DateTime.UtcNow < deadline, $"activity {id} did not end: {activity}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();

    public static string Id(JsonElement activity) => activity.GetProperty("id").GetString()!;
}

/// <summary>
/// Holds a real run at a moment it reports (the first update that matches), by blocking the worker's thread in the live
/// update it publishes, until the test releases it: the run is then exactly there when the test acts on it.
/// </summary>
internal sealed class HeldRun : IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private readonly TaskCompletionSource<ActivityUpdate> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable _subscription;
    private int _held;

    public HeldRun(IActivityEvents events, Func<ActivityUpdate, bool> at) =>
        _subscription = events.Subscribe(update =>
        {
            if (at(update) && Interlocked.Exchange(ref _held, 1) == 0)
            {
                _reached.TrySetResult(update);
                _release.Wait(TimeSpan.FromMinutes(2));
            }
        });

    /// <summary>The held update, once the run is held.</summary>
    public Task<ActivityUpdate> Reached => _reached.Task.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

    public void Release() => _release.Set();

    public void Dispose()
    {
        _release.Set();
        _subscription.Dispose();
        _release.Dispose();
    }
}
