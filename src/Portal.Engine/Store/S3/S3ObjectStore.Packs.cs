namespace Portal.Engine.Store.S3;

using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

/// <summary>
/// Small objects packed together, as restic and kopia pack blobs: an S3 server pays per request, so a folder of small files is
/// a few dozen PutObjects instead of one per file. A pack is &lt;prefix&gt;packs/&lt;id&gt;.pack (the objects' compressed bytes
/// end to end) and &lt;prefix&gt;packs/&lt;id&gt;.index (where each object starts and how long it is), written in that order, so
/// an index always names a complete pack; a pack without its index (a kill between the two) is invisible and collected. A
/// capture's objects are all in packs the bucket holds before its manifest is written. Every node reads the indexes into memory
/// (<see cref="RefreshAsync"/>, under the store lock); a pack is removed, or its live objects repacked, only by a collection,
/// under the exclusive lock, so no node's lookup can name an object a collection is taking away. Restores read packs
/// whole, in pack order, into a bounded memory cache and take their objects from there; each is still rehashed as it is restored.
/// </summary>
internal sealed partial class S3ObjectStore
{
    private const string PackSuffix = ".pack";
    private const string IndexSuffix = ".index";
    private const int PrefetchedPacks = 2;
    private const int PacksSentBehind = 2;

    /// <summary>A restore reads each pack within moments of the one before: a pack nobody read for this long is dropped.</summary>
    private static readonly TimeSpan IdlePackLifetime = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions IndexJson = new(JsonSerializerDefaults.Web);

    private readonly Lock _packLock = new();
    private readonly Timer _idleSweep;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> _cachedPacks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _cacheTouched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _readersCame = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _damaged = new(StringComparer.Ordinal);

    // Guarded by _packLock.
    private Dictionary<string, PackedObject> _located = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredPack> _packs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingObject> _pending = new(StringComparer.Ordinal);
    private readonly List<OpenPack> _sealed = [];
    private OpenPack? _open;
    private bool _indexRead;
    private long _epoch;
    private long _ordinals;
    private HashSet<string>? _collecting;
    private HashSet<string>? _looseListed;
    private HashSet<string>? _looseAll;
    private Dictionary<string, List<string>>? _byFolder;
    private long _cachedBytes;

    /// <summary>Packs held in memory for reading, for tests.</summary>
    internal int CachedPacks => _cachedPacks.Count;

    /// <summary>Packs this store has read or written, for tests.</summary>
    internal IReadOnlyCollection<string> PackIds
    {
        get
        {
            lock (_packLock)
            {
                return [.. _packs.Keys];
            }
        }
    }

    internal string PackKey(string id) => $"{_prefix}packs/{id}{PackSuffix}";

    internal string PackIndexKey(string id) => $"{_prefix}packs/{id}{IndexSuffix}";

    // With packing off too: a store written with packing on must stay readable.
    public ValueTask RefreshAsync(CancellationToken cancellationToken) => new(ReadIndexAsync(cancellationToken));

    public async ValueTask CompactAsync(bool everyReferencedObjectListed, CancellationToken cancellationToken)
    {
        HashSet<string>? live;
        List<StoredPack> packs;
        lock (_packLock)
        {
            live = _collecting;
            _collecting = null;
            packs = [.. _packs.Values];
        }

        // Only right after a collection listed and deleted: its list is what is referenced now, under the exclusive lock.
        if (live is null)
        {
            return;
        }

        foreach (var pack in packs)
        {
            var kept = new List<IndexEntry>();
            long keptBytes = 0;
            lock (_packLock)
            {
                foreach (var entry in pack.Entries)
                {
                    // An object stored twice (two nodes stored it at once, or a repack was cut short) lives in one pack only.
                    if (live.Contains(entry.Hash) && _located.TryGetValue(entry.Hash, out var at) && at.Pack == pack.Id)
                    {
                        kept.Add(entry);
                        keptBytes += entry.Length;
                    }
                }
            }

            if (kept.Count > 0 && keptBytes * 2 >= pack.Bytes)
            {
                continue;
            }

            if (kept.Count > 0)
            {
                // Mostly unreferenced: its live objects move to a new pack, sent before the old one goes.
                var bytes = await DownloadPackAsync(pack.Id, cache: false, cancellationToken);
                var repacked = new OpenPack(NewPackId(), (int)Math.Min(int.MaxValue, keptBytes));
                foreach (var entry in kept)
                {
                    repacked.Add(entry.Hash, bytes.AsSpan((int)entry.Offset, entry.Length));
                }

                await SendPackAsync(repacked, replace: true, cancellationToken);
            }

            await Call("delete", PackIndexKey(pack.Id), token => _client.DeleteObjectAsync(_bucket, PackIndexKey(pack.Id), token), cancellationToken);
            await Call("delete", PackKey(pack.Id), token => _client.DeleteObjectAsync(_bucket, PackKey(pack.Id), token), cancellationToken);
            lock (_packLock)
            {
                _packs.Remove(pack.Id);
                _byFolder = null;
                foreach (var entry in pack.Entries)
                {
                    if (_located.TryGetValue(entry.Hash, out var at) && at.Pack == pack.Id)
                    {
                        _located.Remove(entry.Hash);
                    }
                }
            }

            EvictCached(pack.Id);
        }

        // Packs a kill left without their index: nothing names them, and no capture runs while the exclusive lock is held.
        var (packFiles, indexes) = await ListPackFilesAsync(cancellationToken);
        foreach (var orphan in packFiles.Keys.Where(id => !indexes.ContainsKey(id)).ToList())
        {
            await Call("delete", PackKey(orphan), token => _client.DeleteObjectAsync(_bucket, PackKey(orphan), token), cancellationToken);
        }

        if (!everyReferencedObjectListed)
        {
            return;
        }

        // Packs whose index this collection could not read (a kill cut its PUT short on a server that writes in place): every
        // referenced object was found elsewhere, so they hold nothing a snapshot needs.
        List<string> unreadable;
        lock (_packLock)
        {
            unreadable = [.. packFiles.Keys.Where(id => indexes.ContainsKey(id) && !_packs.ContainsKey(id))];
        }

        foreach (var id in unreadable)
        {
            await Call("delete", PackIndexKey(id), token => _client.DeleteObjectAsync(_bucket, PackIndexKey(id), token), cancellationToken);
            await Call("delete", PackKey(id), token => _client.DeleteObjectAsync(_bucket, PackKey(id), token), cancellationToken);
            _damaged.TryRemove(id, out _);
        }
    }

    private bool Packs(long size) => _packUpTo > 0 && size <= _packUpTo;

    /// <summary>The packed objects (in the bucket) of one object folder as names after the folder, or every packed hash for null.</summary>
    private List<string> PackedIn(string? folder)
    {
        lock (_packLock)
        {
            // Objects in packs not sent yet too: a collection must be able to take back what a failed capture left there.
            return folder is null
                ? [.. _located.Keys.Union(_pending.Keys, StringComparer.Ordinal)]
                : [.. _located.Keys.Where(hash => hash.StartsWith(folder, StringComparison.Ordinal)).Select(hash => hash[2..])];
        }
    }

    /// <summary>True when the index names the object, in the bucket or in a pack not sent yet.</summary>
    private bool IsPacked(string hash)
    {
        lock (_packLock)
        {
            return _located.ContainsKey(hash) || _pending.ContainsKey(hash);
        }
    }

    /// <summary>
    /// With packing on, lookups need the index from the first one. With it off they do without until a capture refreshes it, so
    /// the loose path costs no extra request; a read that misses reads the index all the same.
    /// </summary>
    private async ValueTask EnsureIndexAsync(CancellationToken cancellationToken)
    {
        if (_packUpTo > 0 && !Volatile.Read(ref _indexRead))
        {
            await ReadIndexAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Lists the packs and reads the indexes not read yet; the objects of packs gone from the bucket (a collection elsewhere)
    /// leave the index, and objects an earlier delete took out of a pack that is still there come back (they are still in it).
    /// </summary>
    private async Task ReadIndexAsync(CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            long mark;
            lock (_packLock)
            {
                mark = ++_epoch;
            }

            var (packFiles, indexes) = await ListPackFilesAsync(cancellationToken);
            var looseAll = _packUpTo > 0 ? await ListLooseIfFewAsync(cancellationToken) : null;
            var read = new List<StoredPack>();
            foreach (var (id, indexSize) in indexes)
            {
                bool known;
                lock (_packLock)
                {
                    known = _packs.ContainsKey(id);
                }

                // An index whose pack is missing names nothing that can be read: it is not trusted.
                if (!known && packFiles.TryGetValue(id, out var packSize) && await ReadSmallAsync(PackIndexKey(id), cancellationToken) is { } json)
                {
                    if (ParseIndex(json, packSize) is { } entries)
                    {
                        read.Add(new StoredPack(id, packSize, entries, mark, Interlocked.Increment(ref _ordinals)));
                    }
                    else if (_damaged.TryAdd(id, 0))
                    {
                        // Left in place: it may hold objects a snapshot needs. Captures store those objects again; a restore that
                        // needs one from this pack fails naming the object.
                        LogDamagedIndex(_logger, PackIndexKey(id), _bucket);
                    }
                }
            }

            lock (_packLock)
            {
                foreach (var pack in read)
                {
                    _packs.TryAdd(pack.Id, pack);
                }

                foreach (var id in _packs.Keys.Where(id => !indexes.ContainsKey(id) && _packs[id].Epoch < mark).ToList())
                {
                    _packs.Remove(id);
                }

                var located = new Dictionary<string, PackedObject>(_located.Count, StringComparer.Ordinal);
                foreach (var pack in _packs.Values.OrderBy(p => p.Id, StringComparer.Ordinal))
                {
                    foreach (var entry in pack.Entries)
                    {
                        located.TryAdd(entry.Hash, new PackedObject(pack.Id, entry.Offset, entry.Length));
                    }
                }

                _located = located;
                _looseAll = looseAll;
                _byFolder = null;
                _indexRead = true;
            }
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>
    /// Every loose object when one page of 1000 holds them all (a packed store keeps only large objects loose), so lookups need
    /// no listing per object folder; null when there are more. Only this node's own deletes and stores change it until the next
    /// refresh, and other nodes delete only under the exclusive lock, which a refresh's caller excludes.
    /// </summary>
    private async Task<HashSet<string>?> ListLooseIfFewAsync(CancellationToken cancellationToken)
    {
        var objects = _prefix + "objects/";
        var request = new ListObjectsRequest { BucketName = _bucket, Prefix = objects };
        var page = await Call("list", objects, token => _client.ListObjectsAsync(request, token), cancellationToken);
        if (page.IsTruncated == true)
        {
            return null;
        }

        var hashes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in page.S3Objects ?? [])
        {
            if (LooseHash(item.Key[objects.Length..]) is { } hash)
            {
                hashes.Add(hash);
            }
        }

        return hashes;
    }

    /// <summary>objects/ab/cdef… → abcdef…; null for anything else under objects/.</summary>
    private static string? LooseHash(string rest) =>
        rest.Length == 65 && rest[2] == '/' && string.Concat(rest.AsSpan(0, 2), rest.AsSpan(3)) is var hash && ObjectHash.IsValid(hash) ? hash : null;

    /// <summary>Whether the object is stored loose, from the listing taken at the last refresh; null when that listing was too long to keep.</summary>
    private bool? IsLoose(string hash)
    {
        lock (_packLock)
        {
            return _looseAll?.Contains(hash);
        }
    }

    /// <summary>A folder's page answered from the loose listing and the index, with no request; null without that listing.</summary>
    private ObjectPage? KnownFolder(string folder)
    {
        lock (_packLock)
        {
            if (_looseAll is null)
            {
                return null;
            }

            // Grouped once per refresh, not scanned once per folder: a capture asks for every folder it touches. Objects stored
            // since are missing from it, which only means they are offered again; removals (collections) clear it.
            _byFolder ??= _looseAll.Union(_located.Keys, StringComparer.Ordinal).GroupBy(hash => hash[..2], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(hash => hash[2..]).ToList(), StringComparer.Ordinal);
            // A whole listing: its order does not matter to the reader.
            return new ObjectPage(_byFolder.TryGetValue(folder, out var names) ? names : [], Truncated: false);
        }
    }

    /// <summary>Keeps the loose listing true to this node's own stores and deletes.</summary>
    private void LooseChanged(string hash, bool stored)
    {
        lock (_packLock)
        {
            if (stored)
            {
                _looseAll?.Add(hash);
            }
            else
            {
                _looseAll?.Remove(hash);
                _byFolder = null;
            }
        }
    }

    /// <summary>The index's entries, each inside the pack; null when it cannot be read (cut short by a kill on a server that writes in place, or damaged).</summary>
    private static List<IndexEntry>? ParseIndex(byte[] json, long packSize)
    {
        try
        {
            var index = JsonSerializer.Deserialize<PackIndex>(json, IndexJson);
            if (index is { Version: 1, Objects: { } objects }
                && objects.All(o => ObjectHash.IsValid(o.Hash) && o.Offset >= 0 && o.Length > 0 && o.Offset + o.Length <= packSize))
            {
                return objects;
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The pack index {Key} in bucket {Bucket} cannot be read; its pack is left in place and its objects are not offered for reuse")]
    private static partial void LogDamagedIndex(ILogger logger, string key, string bucket);

    /// <summary>Every pack and every index in the bucket, by pack id, with their sizes.</summary>
    private async Task<(Dictionary<string, long> Packs, Dictionary<string, long> Indexes)> ListPackFilesAsync(CancellationToken cancellationToken)
    {
        var folder = _prefix + "packs/";
        var packs = new Dictionary<string, long>(StringComparer.Ordinal);
        var indexes = new Dictionary<string, long>(StringComparer.Ordinal);
        await ListKeysAsync(folder, (key, size) =>
        {
            var name = key[folder.Length..];
            if (name.EndsWith(PackSuffix, StringComparison.Ordinal) && IsPackId(name[..^PackSuffix.Length]))
            {
                packs[name[..^PackSuffix.Length]] = size;
            }
            else if (name.EndsWith(IndexSuffix, StringComparison.Ordinal) && IsPackId(name[..^IndexSuffix.Length]))
            {
                indexes[name[..^IndexSuffix.Length]] = size;
            }
        }, cancellationToken);
        return (packs, indexes);
    }

    private static bool IsPackId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);

    private static string NewPackId() => Guid.NewGuid().ToString("N");

    /// <summary>Adds a small object to the open pack; the capture that fills a pack sends it. Returns the size if it was new.</summary>
    private async ValueTask<long> PackAsync(PendingUpload upload, string hash, long size, CancellationToken cancellationToken)
    {
        await EnsureIndexAsync(cancellationToken);
        if (!AddToOpenPack(upload, hash, out var full))
        {
            return 0;
        }

        if (full is not null)
        {
            // Sent while the workers go on compressing: s3rver or S3 takes the pack in as the next one fills.
            var sending = SendSealedAsync(full, cancellationToken);
            _ = sending.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await WaitForSendsAsync(cancellationToken);
        }

        return size;
    }

    /// <summary>
    /// Holds the capture back while more than <see cref="PacksSentBehind"/> sealed packs wait to be sent, so memory stays
    /// bounded; a pack whose send failed is sent again here, and a failure that persists fails this commit.
    /// </summary>
    private async Task WaitForSendsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            OpenPack oldest;
            lock (_packLock)
            {
                if (_sealed.Count <= PacksSentBehind)
                {
                    return;
                }

                oldest = _sealed[0];
            }

            await SendSealedAsync(oldest, cancellationToken);
        }
    }

    /// <summary>False when a pack already holds the object; <paramref name="full"/> is the pack this one filled, for its caller to send.</summary>
    private bool AddToOpenPack(PendingUpload upload, string hash, out OpenPack? full)
    {
        full = null;
        var bytes = upload.Bytes();
        lock (_packLock)
        {
            if (_located.ContainsKey(hash) || _pending.ContainsKey(hash))
            {
                return false;
            }

            _open ??= new OpenPack(NewPackId(), _packTarget + _packUpTo);
            var offset = _open.Add(hash, bytes);
            _pending[hash] = new PendingObject(_open, offset, bytes.Length);
            if (_open.Length >= _packTarget)
            {
                full = _open;
                _sealed.Add(full);
                _open = null;
            }
        }

        return true;
    }

    /// <summary>Sends the open pack and every pack sealed but not yet in the bucket; the manifest is written after this.</summary>
    private async Task FlushPacksAsync(CancellationToken cancellationToken)
    {
        List<OpenPack> sealedPacks;
        lock (_packLock)
        {
            if (_open is { Count: > 0 })
            {
                _sealed.Add(_open);
                _open = null;
            }

            sealedPacks = [.. _sealed];
        }

        await Parallel.ForEachAsync(sealedPacks, new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken },
            async (pack, token) => await SendSealedAsync(pack, token));
    }

    /// <summary>One send per pack at a time: a capture waiting for a pack another one is sending waits for that send; a failed one is sent again.</summary>
    private async Task SendSealedAsync(OpenPack pack, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task sending;
            lock (_packLock)
            {
                if (!_sealed.Contains(pack))
                {
                    return;
                }

                if (pack.Sending is not { IsFaulted: false, IsCanceled: false } running)
                {
                    running = pack.Sending = SendPackAsync(pack, replace: false, cancellationToken);
                }

                sending = running;
            }

            try
            {
                await sending.WaitAsync(cancellationToken);
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The capture that started this send was cancelled, not this one: it is sent again.
            }
        }
    }

    private async Task SendPackAsync(OpenPack pack, bool replace, CancellationToken cancellationToken)
    {
        var packKey = PackKey(pack.Id);
        await Call("upload", packKey, token => _client.PutObjectAsync(Put(packKey, content: pack.Content()), token), cancellationToken);
        var index = JsonSerializer.SerializeToUtf8Bytes(new PackIndex(1, pack.Entries), IndexJson);
        var indexKey = PackIndexKey(pack.Id);
        await Call("upload", indexKey, token => _client.PutObjectAsync(Put(indexKey, content: index), token), cancellationToken);
        lock (_packLock)
        {
            var stored = new StoredPack(pack.Id, pack.Length, pack.Entries, ++_epoch, Interlocked.Increment(ref _ordinals));
            _packs[pack.Id] = stored;
            foreach (var entry in pack.Entries)
            {
                var at = new PackedObject(pack.Id, entry.Offset, entry.Length);
                if (replace)
                {
                    _located[entry.Hash] = at;
                }
                else
                {
                    _located.TryAdd(entry.Hash, at);
                }

                if (_pending.TryGetValue(entry.Hash, out var pending) && pending.Pack == pack)
                {
                    _pending.Remove(entry.Hash);
                }
            }

            _sealed.Remove(pack);
        }
    }

    /// <summary>A packed object's bytes, from a pack not sent yet or from the pack downloaded whole; null when no pack holds it.</summary>
    private async ValueTask<Stream?> OpenPackedAsync(string hash, CancellationToken cancellationToken)
    {
        PackedObject at;
        lock (_packLock)
        {
            if (_pending.TryGetValue(hash, out var pending))
            {
                return new MemoryStream(pending.Pack.Read(pending.Offset, pending.Length), writable: false);
            }

            if (!_located.TryGetValue(hash, out at!))
            {
                return null;
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var bytes = await CachedPackAsync(at.Pack, cancellationToken);
                if (bytes.Length < at.Offset + at.Length)
                {
                    throw new SnapshotCorruptException($"Pack {at.Pack} in the S3 store is shorter than its index says; object {hash} cannot be read.");
                }

                return new MemoryStream(bytes, (int)at.Offset, at.Length, writable: false);
            }
            catch (FileNotFoundException) when (attempt < 2)
            {
                // Gone from the bucket: a collection elsewhere repacked it, and the index, read again, says where the object went.
                EvictCached(at.Pack);
                if (attempt == 1)
                {
                    await ReadIndexAsync(cancellationToken);
                    lock (_packLock)
                    {
                        if (!_located.TryGetValue(hash, out at!))
                        {
                            throw;
                        }
                    }
                }
            }
        }
    }

    /// <summary>A pack read whole, once however many readers ask at the same time; the next pack is fetched meanwhile.</summary>
    private async Task<byte[]> CachedPackAsync(string id, CancellationToken cancellationToken)
    {
        var lazy = _cachedPacks.GetOrAdd(id, key => new Lazy<Task<byte[]>>(() => DownloadPackAsync(key, cache: true, cancellationToken)));
        if (_readersCame.TryAdd(id, 0))
        {
            Prefetch(id);
        }

        try
        {
            var bytes = await lazy.Value.WaitAsync(cancellationToken);
            _cacheTouched[id] = Environment.TickCount64;
            return bytes;
        }
        catch
        {
            _cachedPacks.TryRemove(new KeyValuePair<string, Lazy<Task<byte[]>>>(id, lazy));
            throw;
        }
    }

    /// <summary>
    /// Readers go in pack order (<see cref="ReadOrder"/>): the next two packs download while this one is read, so the server
    /// always has one to send.
    /// </summary>
    private void Prefetch(string id)
    {
        List<string> next = [];
        lock (_packLock)
        {
            if (_packs.TryGetValue(id, out var pack))
            {
                next = [.. _packs.Values.Where(p => p.Ordinal > pack.Ordinal).OrderBy(p => p.Ordinal).Take(PrefetchedPacks).Select(p => p.Id)];
            }
        }

        foreach (var ahead in next.Where(ahead => !_cachedPacks.ContainsKey(ahead)))
        {
            var lazy = _cachedPacks.GetOrAdd(ahead, key => new Lazy<Task<byte[]>>(() => DownloadPackAsync(key, cache: true, CancellationToken.None)));
            // A failed prefetch is forgotten: the reader that needs the pack downloads it and sees the failure itself.
            _ = lazy.Value.ContinueWith(t => _cachedPacks.TryRemove(new KeyValuePair<string, Lazy<Task<byte[]>>>(ahead, lazy)),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task<byte[]> DownloadPackAsync(string id, bool cache, CancellationToken cancellationToken)
    {
        var key = PackKey(id);
        var bytes = await Call("read", key, async token =>
        {
            using var response = await _client.GetObjectAsync(WholeObject(key), token);
            var content = GC.AllocateUninitializedArray<byte>((int)response.ContentLength);
            await response.ResponseStream.ReadExactlyAsync(content, token);
            return content;
        }, cancellationToken);
        if (!cache)
        {
            return bytes;
        }

        _cacheTouched[id] = Environment.TickCount64;
        if (Interlocked.Add(ref _cachedBytes, bytes.Length) > _cacheBudget)
        {
            EvictLeastRecent(keep: id);
        }

        return bytes;
    }

    /// <summary>After a restore or verify the cache would otherwise hold its last packs (up to the budget) for as long as Portal runs.</summary>
    internal void EvictIdle(TimeSpan? idleFor = null)
    {
        var before = Environment.TickCount64 - (long)(idleFor ?? IdlePackLifetime).TotalMilliseconds;
        foreach (var (id, touched) in _cacheTouched)
        {
            if (touched <= before)
            {
                EvictCached(id);
            }
        }
    }

    private void EvictLeastRecent(string keep)
    {
        foreach (var (id, _) in _cacheTouched.OrderBy(p => p.Value).ToList())
        {
            if (Volatile.Read(ref _cachedBytes) <= _cacheBudget)
            {
                return;
            }

            if (id != keep)
            {
                EvictCached(id);
            }
        }
    }

    /// <summary>Forgets a cached pack; readers holding its bytes keep them until they are done.</summary>
    private void EvictCached(string id)
    {
        _cacheTouched.TryRemove(id, out _);
        _readersCame.TryRemove(id, out _);
        if (_cachedPacks.TryRemove(id, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
        {
            Interlocked.Add(ref _cachedBytes, -lazy.Value.Result.Length);
        }
    }

    /// <summary>Packed objects sort by their pack's place (in the order packs were written or read) and their offset in it.</summary>
    public long ReadOrder(string hash)
    {
        lock (_packLock)
        {
            return _located.TryGetValue(hash, out var at) && _packs.TryGetValue(at.Pack, out var pack) ? (pack.Ordinal << 31) + at.Offset : -1;
        }
    }

    /// <summary>Notes what a collection listed, so <see cref="CompactAsync"/> knows what it still references.</summary>
    private void StartCollection(IEnumerable<string> listed, HashSet<string> loose)
    {
        lock (_packLock)
        {
            _collecting = new HashSet<string>(listed, StringComparer.Ordinal);
            _looseListed = loose;
        }
    }

    /// <summary>Takes an unreferenced object out of the index; true when it may also be a loose object that needs deleting.</summary>
    private bool Unreference(string hash)
    {
        lock (_packLock)
        {
            _collecting?.Remove(hash);
            _byFolder = null;
            var packed = _located.Remove(hash) | _pending.Remove(hash);
            return !packed || _looseListed is null || _looseListed.Contains(hash);
        }
    }

    /// <summary>
    /// Every key under <paramref name="prefix"/> with its size, page by page (at most 1000 keys a call). ListObjects (v1), each
    /// page after the last key of the one before: s3rver answers a truncated ListObjectsV2 page with a 500 on Node 17+ (its
    /// continuation tokens use DES), and S3, MinIO and Ceph answer both.
    /// </summary>
    private async Task ListKeysAsync(string prefix, Action<string, long> each, CancellationToken cancellationToken)
    {
        string? marker = null;
        while (true)
        {
            var request = new ListObjectsRequest { BucketName = _bucket, Prefix = prefix, Marker = marker };
            var page = await Call("list", prefix, token => _client.ListObjectsAsync(request, token), cancellationToken);
            var items = page.S3Objects ?? [];
            foreach (var item in items)
            {
                each(item.Key, item.Size ?? 0);
            }

            if (page.IsTruncated != true || items.Count == 0)
            {
                return;
            }

            marker = items[^1].Key;
        }
    }

    private sealed record PackedObject(string Pack, long Offset, int Length);

    private sealed record PendingObject(OpenPack Pack, long Offset, int Length);

    private sealed record StoredPack(string Id, long Bytes, List<IndexEntry> Entries, long Epoch, long Ordinal);

    internal sealed record IndexEntry([property: JsonPropertyName("h")] string Hash, [property: JsonPropertyName("o")] long Offset, [property: JsonPropertyName("l")] int Length);

    private sealed record PackIndex([property: JsonPropertyName("v")] int Version, [property: JsonPropertyName("objects")] List<IndexEntry> Objects);

    /// <summary>A pack being filled in memory; guarded by the store's pack lock until it is sealed, then only read.</summary>
    private sealed class OpenPack(string id, int capacity)
    {
        private byte[] _buffer = new byte[capacity];

        public string Id { get; } = id;

        public int Length { get; private set; }

        public int Count => Entries.Count;

        public List<IndexEntry> Entries { get; } = [];

        public Task? Sending { get; set; }

        public long Add(string hash, ReadOnlySpan<byte> bytes)
        {
            if (Length + bytes.Length > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(Length + bytes.Length, _buffer.Length * 2));
            }

            var offset = Length;
            bytes.CopyTo(_buffer.AsSpan(offset));
            Length += bytes.Length;
            Entries.Add(new IndexEntry(hash, offset, bytes.Length));
            return offset;
        }

        public byte[] Read(long offset, int length) => _buffer.AsSpan((int)offset, length).ToArray();

        /// <summary>The pack's bytes for a send; a copy-free view, read only.</summary>
        public ArraySegment<byte> Content() => new(_buffer, 0, Length);
    }
}
