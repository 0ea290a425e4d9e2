namespace Portal.Engine.Store.S3;

using System.Net;
using System.Net.Sockets;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

/// <summary>
/// The filesystem store's layout in an S3-compatible bucket: &lt;prefix&gt;objects/ab/cdef…, &lt;prefix&gt;manifests/&lt;id&gt;.json.
/// A pending object is written to a local temp file (Engine:StorePath/tmp) and uploaded whole on commit — one PutObject up to
/// the part size, else a multipart upload of parts sent in parallel — so S3 shows no object before it is complete, and a kill
/// leaves at most an incomplete multipart upload, which no listing or read sees (a lifecycle rule aborts it). Failures are
/// mapped for <see cref="RetryingObjectStore"/>: throttling, 5xx, timeouts and connection failures are
/// <see cref="ObjectStoreTransientException"/>; a missing object is FileNotFoundException (or null/false where the interface
/// says so); anything else is a <see cref="SnapshotEngineException"/> naming the bucket and key, never the credentials.
/// </summary>
internal sealed class S3ObjectStore : IObjectStore
{
    private const long MiB = 1024 * 1024;

    /// <summary>Error codes S3 and compatible servers answer when they want the client to slow down or come back.</summary>
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable", "OperationAborted",
    };

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly long _partSize;
    private readonly int _parallelism;
    private readonly string _temp;

    public S3ObjectStore(S3StoreOptions options, string localRoot, IAmazonS3 client)
    {
        if (string.IsNullOrWhiteSpace(localRoot))
        {
            throw new SnapshotEngineException("The snapshot store path is not configured (Engine:StorePath); an S3 store keeps its temp files there.");
        }

        _client = client;
        _bucket = options.Bucket;
        _prefix = options.KeyPrefix;
        _partSize = options.PartSizeMiB * MiB;
        _parallelism = options.Parallelism;
        _temp = Path.Combine(Path.GetFullPath(localRoot), "tmp");
        OwnerOnly.CreateFolder(_temp);
    }

    /// <summary>
    /// A client for <paramref name="options"/>: credentials from the SDK's default chain unless given (tests pass the test
    /// server's), checksums only where S3 requires them (aws-chunked bodies are stored corrupt by some compatible servers),
    /// and no retries of the SDK's own: <see cref="RetryingObjectStore"/> is the one retry policy, configured and logged.
    /// </summary>
    public static AmazonS3Client CreateClient(S3StoreOptions options, AWSCredentials? credentials = null, HttpClientFactory? httpClientFactory = null)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        if (!string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            // A compatible server still needs a region to sign with; most accept any, so us-east-1 unless one is set.
            config.AuthenticationRegion = string.IsNullOrEmpty(options.Region) ? "us-east-1" : options.Region;
        }
        else if (!string.IsNullOrEmpty(options.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    /// <summary>Each request waits on the network and the server: Engine:S3:Parallelism of them in flight, beside the cores' work.</summary>
    public int Concurrency => _parallelism;

    public ValueTask<IPendingObject> BeginPutAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IPendingObject>(new PendingUpload(NewTempPath(".obj")));
    }

    public async ValueTask<long> CommitAsync(IPendingObject pending, string hash, bool knownMissing, CancellationToken cancellationToken)
    {
        var upload = (PendingUpload)pending;
        var size = upload.Close();
        var key = ObjectKey(hash);
        // Content-addressed: an object already there holds these bytes, so it is not sent again. A caller that just found it
        // missing saves the second lookup (one request per small object, not two); a retry then sends the same bytes again.
        if (!knownMissing && await ExistsAsync(hash, cancellationToken))
        {
            return 0;
        }

        if (size <= _partSize)
        {
            await Call("upload", key, token => _client.PutObjectAsync(Put(key, filePath: upload.Path), token), cancellationToken);
        }
        else
        {
            await UploadMultipartAsync(key, upload.Path, size, cancellationToken);
        }

        return size;
    }

    public async ValueTask<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken)
    {
        var key = ObjectKey(hash);
        var response = await Call("read", key, token => _client.GetObjectAsync(_bucket, key, token), cancellationToken);
        return new ResponseStream(response);
    }

    public async ValueTask<bool> ExistsAsync(string hash, CancellationToken cancellationToken) => await HeadAsync(ObjectKey(hash), cancellationToken);

    public async ValueTask<IReadOnlySet<string>> WhichExistAsync(IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var folders = hashes.Where(ObjectHash.IsValid).Distinct(StringComparer.Ordinal).GroupBy(h => h[..2], StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(folders, new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken }, async (folder, token) =>
        {
            // A few objects are looked up one by one, so a small mount does not list a large store; more list their folder in pages of 1000.
            var wanted = folder.ToList();
            var present = new List<string>();
            if (wanted.Count < 8)
            {
                foreach (var hash in wanted)
                {
                    if (await HeadAsync(ObjectKey(hash), token))
                    {
                        present.Add(hash);
                    }
                }
            }
            else
            {
                var names = new HashSet<string>(StringComparer.Ordinal);
                var folderPrefix = $"{_prefix}objects/{folder.Key}/";
                await ListKeysAsync(folderPrefix, (key, _) => names.Add(key[folderPrefix.Length..]), token);
                present.AddRange(wanted.Where(hash => names.Contains(hash[2..])));
            }

            lock (found)
            {
                found.UnionWith(present);
            }
        });
        return found;
    }

    public async ValueTask<ObjectPage?> ListFolderAsync(string folder, CancellationToken cancellationToken)
    {
        if (!ObjectHash.IsFolder(folder))
        {
            throw new ArgumentException($"'{folder}' is not an object folder.", nameof(folder));
        }

        var prefix = $"{_prefix}objects/{folder}/";
        // ListObjects (v1): one page needs no continuation token, and s3rver cannot make one on Node 17+ (its tokens use DES,
        // which OpenSSL 3 keeps in the legacy provider), so a truncated ListObjectsV2 page is a 500 there.
        var request = new ListObjectsRequest { BucketName = _bucket, Prefix = prefix };
        var page = await Call("list", prefix, token => _client.ListObjectsAsync(request, token), cancellationToken);
        return new ObjectPage([.. (page.S3Objects ?? []).Select(o => o.Key[prefix.Length..])], page.IsTruncated == true);
    }

    public async ValueTask DeleteAsync(string hash, CancellationToken cancellationToken)
    {
        var key = ObjectKey(hash);
        await Call("delete", key, token => _client.DeleteObjectAsync(_bucket, key, token), cancellationToken);
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        var objects = _prefix + "objects/";
        var hashes = new List<string>();
        await ListKeysAsync(objects, (key, _) =>
        {
            // objects/ab/cdef… → abcdef…; anything else under objects/ is not one of ours.
            var rest = key[objects.Length..];
            if (rest.Length == 65 && rest[2] == '/' && string.Concat(rest.AsSpan(0, 2), rest.AsSpan(3)) is var hash && ObjectHash.IsValid(hash))
            {
                hashes.Add(hash);
            }
        }, cancellationToken);
        return hashes;
    }

    public async ValueTask<long> TotalBytesAsync(CancellationToken cancellationToken)
    {
        long total = 0;
        await ListKeysAsync(_prefix + "objects/", (_, size) => total += size, cancellationToken);
        await ListKeysAsync(_prefix + "manifests/", (_, size) => total += size, cancellationToken);
        return total;
    }

    public async ValueTask WriteManifestAsync(string snapshotId, byte[] content, IReadOnlyCollection<string> stored, CancellationToken cancellationToken)
    {
        // Every object this capture stored is durable already: S3 answers a PutObject or a completed upload only once it is.
        var key = ManifestKey(snapshotId);
        await Call("write", key, token => _client.PutObjectAsync(Put(key, content: content), token), cancellationToken);
    }

    public async ValueTask<byte[]?> ReadManifestAsync(string snapshotId, CancellationToken cancellationToken) =>
        await ReadSmallAsync(ManifestKey(snapshotId), cancellationToken);

    public async ValueTask<byte[]?> ReadManifestStartAsync(string snapshotId, int length, CancellationToken cancellationToken)
    {
        var key = ManifestKey(snapshotId);
        try
        {
            return await Call("read", key, async token =>
            {
                var request = new GetObjectRequest { BucketName = _bucket, Key = key, ByteRange = new ByteRange(0, length - 1) };
                using var response = await _client.GetObjectAsync(request, token);
                // A server that ignores the range sends the whole manifest: only the first bytes are read.
                var buffer = new byte[length];
                var read = await response.ResponseStream.ReadAtLeastAsync(buffer, length, throwOnEndOfStream: false, token);
                return buffer[..read];
            }, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (SnapshotEngineException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.RequestedRangeNotSatisfiable })
        {
            // An empty manifest has no first byte to range over; the reader reports it as damaged.
            return [];
        }
    }

    public async ValueTask<bool> HasManifestAsync(string snapshotId, CancellationToken cancellationToken) => await HeadAsync(ManifestKey(snapshotId), cancellationToken);

    public async ValueTask DeleteManifestAsync(string snapshotId, CancellationToken cancellationToken)
    {
        var key = ManifestKey(snapshotId);
        await Call("delete", key, token => _client.DeleteObjectAsync(_bucket, key, token), cancellationToken);
    }

    public async ValueTask SetPinAsync(string snapshotId, byte[]? content, CancellationToken cancellationToken)
    {
        var key = PinKey(snapshotId);
        if (content is null)
        {
            await Call("delete", key, token => _client.DeleteObjectAsync(_bucket, key, token), cancellationToken);
        }
        else
        {
            await Call("write", key, token => _client.PutObjectAsync(Put(key, content: content), token), cancellationToken);
        }
    }

    public async ValueTask<IReadOnlyDictionary<string, byte[]>> ReadPinsAsync(CancellationToken cancellationToken)
    {
        var folder = _prefix + "pins/";
        var keys = new List<string>();
        await ListKeysAsync(folder, (key, _) => keys.Add(key), cancellationToken);
        var pins = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var name = key[folder.Length..];
            if (!name.EndsWith(".json", StringComparison.Ordinal) || !SnapshotIds.IsValid(name[..^".json".Length]))
            {
                continue;
            }

            // Null when it was unpinned between the listing and the read.
            if (await ReadSmallAsync(key, cancellationToken) is { } pin)
            {
                pins[name[..^".json".Length]] = pin;
            }
        }

        return pins;
    }

    public async ValueTask<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken)
    {
        var manifests = _prefix + "manifests/";
        var ids = new List<string>();
        await ListKeysAsync(manifests, (key, _) =>
        {
            var name = key[manifests.Length..];
            if (name.EndsWith(".json", StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal))
            {
                ids.Add(name[..^".json".Length]);
            }
        }, cancellationToken);
        return ids;
    }

    public ValueTask ClearTempAsync(CancellationToken cancellationToken)
    {
        // Only the local temp files: an upload a kill interrupted is invisible in the bucket and aborted by its lifecycle rule.
        foreach (var file in Directory.EnumerateFiles(_temp))
        {
            cancellationToken.ThrowIfCancellationRequested();
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }

    public string NewTempPath(string suffix) => Path.Combine(_temp, Guid.NewGuid().ToString("N") + suffix);

    internal string ObjectKey(string hash)
    {
        ObjectHash.Validate(hash);
        return $"{_prefix}objects/{hash[..2]}/{hash[2..]}";
    }

    internal string ManifestKey(string snapshotId) => $"{_prefix}manifests/{SnapshotIds.Validate(snapshotId)}.json";

    internal string PinKey(string snapshotId) => $"{_prefix}pins/{SnapshotIds.Validate(snapshotId)}.json";

    private PutObjectRequest Put(string key, string? filePath = null, byte[]? content = null) => new()
    {
        BucketName = _bucket,
        Key = key,
        FilePath = filePath,
        InputStream = content is null ? null : new MemoryStream(content, writable: false),
        // A plain body with a Content-Length: aws-chunked bodies (signed chunks, a checksum trailer) are stored as the object by some servers.
        UseChunkEncoding = false,
    };

    private async Task UploadMultipartAsync(string key, string path, long size, CancellationToken cancellationToken)
    {
        var started = await Call("start an upload of", key, token => _client.InitiateMultipartUploadAsync(_bucket, key, token), cancellationToken);
        var uploadId = started.UploadId;
        var parts = (int)((size + _partSize - 1) / _partSize);
        var etags = new PartETag[parts];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(1, parts), new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken }, async (number, token) =>
            {
                var position = (number - 1) * _partSize;
                var request = new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = number,
                    FilePath = path,
                    FilePosition = position,
                    PartSize = Math.Min(_partSize, size - position),
                    IsLastPart = number == parts,
                    UseChunkEncoding = false,
                };
                var response = await Call("upload a part of", key, t => _client.UploadPartAsync(request, t), token);
                etags[number - 1] = new PartETag(number, response.ETag);
            });

            // The object appears whole, at this call, or not at all.
            await Call("complete the upload of", key, token => _client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId, PartETags = [.. etags] }, token), cancellationToken);
        }
        catch
        {
            // Parts already sent cost storage until aborted; a failed abort is left to the bucket's lifecycle rule.
            try
            {
                await _client.AbortMultipartUploadAsync(_bucket, key, uploadId, CancellationToken.None);
            }
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or IOException or HttpRequestException or OperationCanceledException)
            {
            }

            throw;
        }
    }

    private async ValueTask<bool> HeadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await Call("look up", key, token => _client.GetObjectMetadataAsync(_bucket, key, token), cancellationToken);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A small object (a manifest, a pin) read whole; null when it is not there.</summary>
    private async Task<byte[]?> ReadSmallAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await Call("read", key, async token =>
            {
                using var response = await _client.GetObjectAsync(_bucket, key, token);
                using var memory = new MemoryStream();
                await response.ResponseStream.CopyToAsync(memory, token);
                return memory.ToArray();
            }, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Every key under <paramref name="prefix"/> with its size, page by page (ListObjectsV2 answers at most 1000 keys a call).</summary>
    private async Task ListKeysAsync(string prefix, Action<string, long> each, CancellationToken cancellationToken)
    {
        string? next = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix, ContinuationToken = next };
            var page = await Call("list", prefix, token => _client.ListObjectsV2Async(request, token), cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                each(item.Key, item.Size ?? 0);
            }

            next = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (next is not null);
    }

    private async Task<T> Call<T>(string action, string key, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken);
        }
        catch (Exception ex) when (Translate(ex, action, key, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>What a failure means to the engine; null leaves it as it is (our own cancellation, or already translated).</summary>
    private Exception? Translate(Exception ex, string action, string key, CancellationToken cancellationToken)
    {
        var where = $"s3://{_bucket}/{key}";
        switch (ex)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
            case ObjectStoreTransientException or FileNotFoundException or SnapshotEngineException:
                return null;
            case OperationCanceledException or TimeoutException:
                return new ObjectStoreTransientException($"S3 did not answer in time while trying to {action} {where}.", ex);
            case AmazonServiceException service when service.StatusCode == HttpStatusCode.NotFound && service.ErrorCode != "NoSuchBucket" && service.ErrorCode != "NoSuchUpload":
                return new FileNotFoundException($"{where} is not in the bucket.", key, ex);
            case AmazonServiceException service when (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests
                || (service.ErrorCode is { } code && TransientCodes.Contains(code)):
                return new ObjectStoreTransientException($"S3 failed to {action} {where}: {(int)service.StatusCode} {service.ErrorCode}.", ex);
            case AmazonServiceException service:
                // The SDK's message and code only: neither holds the secret key, and the access key id is not repeated.
                return new SnapshotEngineException(
                    $"The S3 store refused to {action} {where}: {(int)service.StatusCode} {service.ErrorCode} ({service.Message}). Check the bucket, Engine:S3 settings and the permissions of the AWS credentials Portal runs with.", ex);
            case HttpRequestException or IOException or SocketException:
                return new ObjectStoreTransientException($"The connection to S3 failed while trying to {action} {where}: {ex.Message}", ex);
            case AmazonClientException client when client.InnerException is HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException:
                return new ObjectStoreTransientException($"The connection to S3 failed while trying to {action} {where}: {client.InnerException.Message}", ex);
            case AmazonClientException client:
                return new SnapshotEngineException($"The S3 client could not {action} {where}: {client.Message}", ex);
            default:
                return null;
        }
    }

    /// <summary>An object's bytes as S3 streams them; disposing it ends the response.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : ReadOnlyStream
    {
        // Readers size their buffer from the object's length, as they do with a file.
        public override long Length => response.ContentLength;

        public override int Read(Span<byte> buffer) => response.ResponseStream.Read(buffer);

        public override int Read(byte[] buffer, int offset, int count) => response.ResponseStream.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => response.ResponseStream.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            response.ResponseStream.ReadAsync(buffer, offset, count, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>The object's compressed bytes in a local temp file until the commit uploads them; removed on dispose, committed or not.</summary>
    private sealed class PendingUpload(string path) : IPendingObject
    {
        private long _size = -1;

        public string Path { get; } = path;

        // Unbuffered, as the filesystem store's: the compressor and the raw framer write whole blocks.
        public Stream Content { get; } = OwnerOnly.CreateFile(path, FileShare.None, 0);

        /// <summary>Ends writing and returns the size; a repeated commit (a retry) gets the same size.</summary>
        public long Close()
        {
            if (_size < 0)
            {
                Content.Flush();
                _size = Content.Length;
                Content.Dispose();
            }

            return _size;
        }

        public void Dispose()
        {
            Content.Dispose();
            File.Delete(Path);
        }
    }
}
