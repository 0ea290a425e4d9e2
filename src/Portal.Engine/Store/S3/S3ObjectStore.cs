namespace Portal.Engine.Store.S3;

using System.Net;
using System.Net.Sockets;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// The filesystem store's layout in an S3-compatible bucket: &lt;prefix&gt;objects/ab/cdef…, &lt;prefix&gt;manifests/&lt;id&gt;.json.
/// A pending object is written to a local temp file (Engine:StorePath/tmp) and uploaded whole on commit — one PutObject up to
/// the part size, else a multipart upload of parts sent in parallel — so S3 shows no object before it is complete, and a kill
/// leaves at most an incomplete multipart upload, which no listing or read sees (a lifecycle rule aborts it). Failures are
/// mapped for <see cref="RetryingObjectStore"/>: throttling, 5xx, timeouts and connection failures are
/// <see cref="ObjectStoreTransientException"/>; a missing object is FileNotFoundException (or null/false where the interface
/// says so); anything else is a <see cref="SnapshotEngineException"/> naming the bucket and key, never the credentials.
/// </summary>
internal sealed partial class S3ObjectStore : IObjectStore, IDisposable
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
    private readonly int _packUpTo;
    private readonly int _packTarget;
    private readonly long _cacheBudget;
    private readonly ILogger<S3ObjectStore> _logger;

    public S3ObjectStore(S3StoreOptions options, string localRoot, IAmazonS3 client, ILogger<S3ObjectStore>? logger = null)
    {
        _logger = logger ?? NullLogger<S3ObjectStore>.Instance;
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
        _packUpTo = options.PackObjectsUpToKiB * 1024;
        _packTarget = (int)(options.PackSizeMiB * MiB);
        _cacheBudget = options.PackCacheMiB * MiB;
        _idleSweep = new Timer(static state => ((S3ObjectStore)state!).EvictIdle(), this, IdlePackLifetime, IdlePackLifetime);
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

    /// <summary>The client is the caller's; only the store's own gate and timer are released.</summary>
    public void Dispose()
    {
        _idleSweep.Dispose();
        _refreshGate.Dispose();
    }

    /// <summary>Each request waits on the network and the server: Engine:S3:Parallelism of them in flight, beside the cores' work.</summary>
    public int Concurrency => _parallelism;

    public ValueTask<IPendingObject> BeginPutAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // An object small enough for a pack stays in memory: no temp file to create, read back and delete.
        return ValueTask.FromResult<IPendingObject>(new PendingUpload(NewTempPath(".obj"), _packUpTo));
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

        if (Packs(size))
        {
            return await PackAsync(upload, hash, size, cancellationToken);
        }

        if (size <= _partSize)
        {
            // Only an empty object (never spilled to its file) is sent from memory.
            var request = upload.InMemory ? Put(key, content: upload.Bytes().ToArray()) : Put(key, filePath: upload.Path);
            await Call("upload", key, token => _client.PutObjectAsync(request, token), cancellationToken);
        }
        else
        {
            await UploadMultipartAsync(key, upload.Path, size, cancellationToken);
        }

        LooseChanged(hash, stored: true);
        return size;
    }

    public async ValueTask<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken)
    {
        var key = ObjectKey(hash);
        await EnsureIndexAsync(cancellationToken);
        if (await OpenPackedAsync(hash, cancellationToken) is { } packed)
        {
            return packed;
        }

        try
        {
            var response = await Call("read", key, token => _client.GetObjectAsync(WholeObject(key), token), cancellationToken);
            return new ResponseStream(response);
        }
        catch (FileNotFoundException)
        {
            // Stored by another node in a pack this one has not read yet.
            await ReadIndexAsync(cancellationToken);
            return await OpenPackedAsync(hash, cancellationToken) ?? throw new FileNotFoundException($"s3://{_bucket}/{key} is not in the bucket nor in any pack.", key);
        }
    }

    public async ValueTask<bool> ExistsAsync(string hash, CancellationToken cancellationToken)
    {
        var key = ObjectKey(hash);
        await EnsureIndexAsync(cancellationToken);
        return IsPacked(hash) || (IsLoose(hash) ?? await HeadAsync(key, cancellationToken));
    }

    public async ValueTask<IReadOnlySet<string>> WhichExistAsync(IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        await EnsureIndexAsync(cancellationToken);
        var found = new HashSet<string>(StringComparer.Ordinal);
        var loose = new List<string>();
        foreach (var hash in hashes.Where(ObjectHash.IsValid).Distinct(StringComparer.Ordinal))
        {
            if (IsPacked(hash) || IsLoose(hash) == true)
            {
                found.Add(hash);
            }
            else if (IsLoose(hash) is null)
            {
                loose.Add(hash);
            }
        }

        var folders = loose.GroupBy(h => h[..2], StringComparer.Ordinal).ToList();
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
        await EnsureIndexAsync(cancellationToken);
        if (KnownFolder(folder) is { } known)
        {
            return known;
        }

        var page = await Call("list", prefix, token => _client.ListObjectsAsync(request, token), cancellationToken);
        var names = (page.S3Objects ?? []).Select(o => o.Key[prefix.Length..]).ToList();
        var truncated = page.IsTruncated == true;
        // Packed objects of the folder belong in the answer; on a truncated page only up to its last name, which bounds what it says.
        var last = names.Count > 0 ? names[^1] : null;
        names.AddRange(PackedIn(folder).Where(name => !truncated || (last is not null && string.CompareOrdinal(name, last) < 0)));
        names.Sort(StringComparer.Ordinal);
        return new ObjectPage(names, truncated);
    }

    public async ValueTask DeleteAsync(string hash, CancellationToken cancellationToken)
    {
        var key = ObjectKey(hash);
        LooseChanged(hash, stored: false);
        if (Unreference(hash))
        {
            await Call("delete", key, token => _client.DeleteObjectAsync(_bucket, key, token), cancellationToken);
        }
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        // The whole index as the bucket holds it now: a collection decides on it.
        await ReadIndexAsync(cancellationToken);
        var objects = _prefix + "objects/";
        var hashes = new List<string>();
        await ListKeysAsync(objects, (key, _) =>
        {
            // objects/ab/cdef… → abcdef…; anything else under objects/ is not one of ours.
            if (LooseHash(key[objects.Length..]) is { } hash)
            {
                hashes.Add(hash);
            }
        }, cancellationToken);
        var loose = hashes.ToHashSet(StringComparer.Ordinal);
        hashes.AddRange(PackedIn(null).Where(hash => !loose.Contains(hash)));
        StartCollection(hashes, loose);
        return hashes;
    }

    public async ValueTask<long> TotalBytesAsync(CancellationToken cancellationToken)
    {
        long total = 0;
        await ListKeysAsync(_prefix + "objects/", (_, size) => total += size, cancellationToken);
        await ListKeysAsync(_prefix + "packs/", (_, size) => total += size, cancellationToken);
        await ListKeysAsync(_prefix + "manifests/", (_, size) => total += size, cancellationToken);
        return total;
    }

    public async ValueTask WriteManifestAsync(string snapshotId, byte[] content, IReadOnlyCollection<string> stored, CancellationToken cancellationToken)
    {
        // Every object this capture stored is durable once sent: S3 answers a PutObject or a completed upload only once it is.
        await FlushPacksAsync(cancellationToken);
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

    /// <summary>
    /// A GET of the whole object as a range from its first byte: the SDK then does not rehash the response with its own managed
    /// MD5, which cost a restore more CPU than decompressing. Every object is rehashed with SHA-256 as it is restored.
    /// </summary>
    private GetObjectRequest WholeObject(string key) => new() { BucketName = _bucket, Key = key, ByteRange = new ByteRange("bytes=0-") };

    private PutObjectRequest Put(string key, string? filePath = null, ArraySegment<byte>? content = null) => new()
    {
        BucketName = _bucket,
        Key = key,
        FilePath = filePath,
        InputStream = content is { } bytes ? new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false) : null,
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

    /// <summary>
    /// The object's compressed bytes until the commit packs or uploads them: in a pooled buffer up to <c>memoryLimit</c>, else in
    /// a local temp file, removed on dispose, committed or not.
    /// </summary>
    private sealed class PendingUpload(string path, int memoryLimit) : IPendingObject
    {
        private readonly SpillStream _content = new(path, memoryLimit);
        private long _size = -1;

        public string Path { get; } = path;

        public Stream Content => _content;

        public bool InMemory => _content.InMemory;

        /// <summary>Ends writing and returns the size; a repeated commit (a retry) gets the same size.</summary>
        public long Close()
        {
            if (_size < 0)
            {
                _size = _content.Finish();
            }

            return _size;
        }

        /// <summary>The bytes of an object that stayed in memory (every one a pack takes).</summary>
        public ReadOnlySpan<byte> Bytes()
        {
            Close();
            return _content.Memory;
        }

        public void Dispose()
        {
            _content.Dispose();
            File.Delete(Path);
        }
    }

    /// <summary>Writes into a pooled buffer while it stays within the limit, then moves to a file (unbuffered, as the filesystem store's).</summary>
    private sealed class SpillStream(string path, int limit) : WriteOnlyStream
    {
        private byte[]? _buffer;
        private int _length;
        private FileStream? _file;

        public bool InMemory => _file is null;

        public ReadOnlySpan<byte> Memory => _file is null ? _buffer.AsSpan(0, _length) : throw new InvalidOperationException("The object was written to a file.");

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_file is null && _length + buffer.Length > limit)
            {
                _file = OwnerOnly.CreateFile(path, FileShare.None, 0);
                _file.Write(_buffer.AsSpan(0, _length));
                Release();
            }

            if (_file is not null)
            {
                _file.Write(buffer);
                return;
            }

            if (_buffer is null || _length + buffer.Length > _buffer.Length)
            {
                var grown = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(_length + buffer.Length, Math.Min(limit, Math.Max(64 * 1024, (_buffer?.Length ?? 0) * 2))));
                _buffer.AsSpan(0, _length).CopyTo(grown);
                Release();
                _buffer = grown;
            }

            buffer.CopyTo(_buffer.AsSpan(_length));
            _length += buffer.Length;
        }

        public override void Flush() => _file?.Flush();

        /// <summary>Ends writing: the file is flushed and closed; returns the size.</summary>
        public long Finish()
        {
            if (_file is null)
            {
                return _length;
            }

            _file.Flush();
            var size = _file.Length;
            _file.Dispose();
            return size;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _file?.Dispose();
                Release();
            }

            base.Dispose(disposing);
        }

        private void Release()
        {
            if (_buffer is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
        }
    }
}
