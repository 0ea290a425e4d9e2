namespace Portal.Cli;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Contracts;

/// <summary>
/// Portal's REST API as the tool calls it: a bearer token, JSON in the API's snake_case, and every failure turned into a
/// <see cref="CliException"/> carrying the problem's <c>detail</c> and the exit code its status means.
/// </summary>
internal sealed class PortalClient : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;

    public PortalClient(Uri server, string token, HttpMessageHandler? handler = null)
    {
        Server = server;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) })
        {
            BaseAddress = new Uri(server.ToString().TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan, // each call has its own deadline; an event stream lasts as long as its activity
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.Add("X-Requested-With", "portal-cli");
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("portal-cli", typeof(PortalClient).Assembly.GetName().Version?.ToString(3)));
    }

    public Uri Server { get; }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, path, body: null, cancellationToken);

    public Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Post, path, body ?? new { }, cancellationToken);

    public Task<T> PutAsync<T>(string path, object body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Put, path, body, cancellationToken);

    public Task<T> DeleteAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Delete, path, body: null, cancellationToken);

    /// <summary>Opens a text/event-stream; null when the server has no such route (an older Portal), so the caller can poll instead.</summary>
    public async Task<Stream?> OpenEventsAsync(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await CallAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline: null, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadAsStreamAsync(cancellationToken);
        }

        using (response)
        {
            var problem = await ReadProblemAsync(response, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound && problem?.Code is null)
            {
                return null; // The framework's "no such API call", not the API's "no such activity" (which carries a code).
            }

            throw Failure(response, problem);
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ApiJson.Options);
        }

        using var response = await CallAsync(request, HttpCompletionOption.ResponseContentRead, CallTimeout, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw Failure(response, await ReadProblemAsync(response, cancellationToken));
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, cancellationToken)
                ?? throw new JsonException("the answer was null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new CliException(ExitCodes.Unreachable, $"{Server} answered {method} {path} with something that is not Portal's API ({e.Message}): check the URL.");
        }
    }

    private async Task<HttpResponseMessage> CallAsync(HttpRequestMessage request, HttpCompletionOption completion, TimeSpan? deadline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (deadline is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        try
        {
            return await _http.SendAsync(request, completion, timeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"Cannot reach Portal at {Server}: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"Portal at {Server} did not answer {request.Method} {request.RequestUri} within {deadline?.TotalSeconds:0} s.");
        }
    }

    private static async Task<Problem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonSerializer.Deserialize<Problem>(text, ApiJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private CliException Failure(HttpResponseMessage response, Problem? problem)
    {
        var status = (int)response.StatusCode;
        var detail = problem?.Detail ?? problem?.Title ?? $"{status} {response.ReasonPhrase}";
        return response.StatusCode == HttpStatusCode.Unauthorized
            ? new CliException(ExitCodes.NotSignedIn, $"Portal at {Server} did not accept the token: {detail} (run portal auth:login, or set PORTAL_TOKEN).")
            : new CliException(ExitCodes.ForStatus(response.StatusCode), detail);
    }

    public void Dispose() => _http.Dispose();

    private sealed record Problem(string? Title, string? Detail, string? Code);
}
