namespace Portal.Engine.Tests.Store.S3;

using Amazon.Runtime;

/// <summary>
/// Sends every request to the real server; once <see cref="Armed"/>, the body of each object read (GET under objects/) breaks
/// off after <paramref name="cutAfter"/> bytes with the IOException a reset connection gives, as a network failure would.
/// </summary>
internal sealed class CutOffHttpClientFactory(int cutAfter) : HttpClientFactory
{
    public bool Armed { get; set; }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new CutOffHandler(this) { InnerHandler = new SocketsHttpHandler() });

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private sealed class CutOffHandler(CutOffHttpClientFactory factory) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (factory.Armed && request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.Contains("/objects/", StringComparison.Ordinal))
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var cut = new StreamContent(new BreakingStream(body, factory._cutAfter));
                foreach (var header in response.Content.Headers)
                {
                    cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response.Content = cut;
            }

            return response;
        }
    }

    private readonly int _cutAfter = cutAfter;

    private sealed class BreakingStream(byte[] body, int cutAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => body.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position >= cutAfter)
            {
                throw new IOException("Unable to read data from the transport connection: Connection reset by peer.");
            }

            var n = Math.Min(buffer.Length, cutAfter - _position);
            body.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
