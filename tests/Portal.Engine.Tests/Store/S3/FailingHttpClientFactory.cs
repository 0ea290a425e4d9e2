namespace Portal.Engine.Tests.Store.S3;

using System.Net;
using Amazon.Runtime;

/// <summary>
/// The S3 client's HTTP, failing the first <see cref="Failures"/> requests <see cref="Matches"/> picks with 503 SlowDown
/// before they reach the server, as a throttling S3 answers; every other request goes through, and is recorded in <see cref="Sent"/>.
/// </summary>
internal sealed class FailingHttpClientFactory(Func<HttpRequestMessage, bool> matches, int failures = 1) : HttpClientFactory
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _sent = new();
    private int _failed;
    private int _passed;
    private int _inFlight;
    private int _maxInFlight;

    public Func<HttpRequestMessage, bool> Matches { get; } = matches;

    public int Failures { get; } = failures;

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Requests <see cref="Matches"/> picked that went through to the server.</summary>
    public int Passed => Volatile.Read(ref _passed);

    /// <summary>How long each request waits before it is sent, as over a slow network.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>The most requests in flight at once since the last <see cref="ResetMaxInFlight"/>.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public void ResetMaxInFlight() => Volatile.Write(ref _maxInFlight, 0);

    /// <summary>Every request that reached the server, as "METHOD /path?query", in the order sent.</summary>
    public IReadOnlyList<string> Sent => [.. _sent];

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new FailingHandler(this) { InnerHandler = new SocketsHttpHandler() });

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private sealed class FailingHandler(FailingHttpClientFactory factory) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (factory.Matches(request))
            {
                if (Interlocked.Increment(ref factory._failed) <= factory.Failures)
                {
                    return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                    {
                        RequestMessage = request,
                        Content = new StringContent("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
                            System.Text.Encoding.UTF8, "application/xml"),
                    };
                }

                Interlocked.Decrement(ref factory._failed);
                Interlocked.Increment(ref factory._passed);
            }

            factory._sent.Enqueue($"{request.Method} {request.RequestUri!.PathAndQuery}");
            var inFlight = Interlocked.Increment(ref factory._inFlight);
            try
            {
                int max;
                while (inFlight > (max = Volatile.Read(ref factory._maxInFlight)) && Interlocked.CompareExchange(ref factory._maxInFlight, inFlight, max) != max)
                {
                }

                await Task.Delay(factory.Latency, cancellationToken);
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref factory._inFlight);
            }
        }
    }
}
