namespace Portal.Engine;

using System.Diagnostics;
using System.Text.Json;
using Portal.Contracts;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Mounts;
using Portal.Engine.Adapters.MySql;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>Orchestrates adapters over a content-addressed store; the manifest is written last, so it exists only for complete snapshots.</summary>
internal sealed class SnapshotEngine : ISnapshotEngine, IDisposable
{
    private readonly IObjectStore _store;
    private readonly EngineOptions _options;
    private readonly ServiceAdapters _adapters;
    private readonly IStoreLock _lock;
    private readonly OldTreeRemovals _removals;
    private readonly HeldTableDrops _heldDrops;
    private readonly RestoredIndexes _restored;
    private readonly RecentManifests _recent = new();

    /// <summary>The header (version, ids, environment, start time) sits in the first few hundred bytes of a manifest.</summary>
    private const int ManifestHeaderBytes = 4096;

    /// <summary>Services captured or restored at once; each adapter already uses every core for its own CPU-bound part.</summary>
    private const int ServiceConcurrency = 4;

    public SnapshotEngine(EngineOptions options, IObjectStore store, IStoreLock storeLock, IEnumerable<IServiceAdapter> adapters)
    {
        _options = options;
        _store = store;
        _lock = storeLock;
        _adapters = new ServiceAdapters(adapters);
        // Started first: removals a stop interrupted go on while the engine serves.
        _removals = new OldTreeRemovals(options.StorePath);
        _heldDrops = new HeldTableDrops(options.StorePath);
        _restored = new RestoredIndexes(options.StorePath);
    }

    /// <summary>Figures of the most recent capture, for tests proving what was (not) read and stored.</summary>
    internal EngineCounters LastCapture { get; private set; } = new();

    /// <summary>The manifests kept parsed for the next capture's reuse, for tests proving they match the store's.</summary>
    internal RecentManifests RecentManifests => _recent;

    public Task<CaptureResult> CaptureAsync(CaptureRequest request, IProgress<EngineProgress> progress, CancellationToken cancellationToken) =>
        EngineTelemetry.PhaseAsync("capture", request.SnapshotId, null, () => CaptureCoreAsync(request, progress, cancellationToken));

    private async Task<CaptureResult> CaptureCoreAsync(CaptureRequest request, IProgress<EngineProgress> progress, CancellationToken cancellationToken)
    {
        SnapshotIds.Validate(request.SnapshotId);
        if (await _store.HasManifestAsync(request.SnapshotId, cancellationToken))
        {
            throw new SnapshotEngineException($"Snapshot {request.SnapshotId} already exists.");
        }

        var duplicate = request.Services.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new SnapshotEngineException($"Two services are named '{duplicate.Key}'; service names must be unique.");
        }

        var clock = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        await using var shared = await _lock.SharedAsync(cancellationToken);
        // Under the lock, so no collection anywhere removes what the refreshed index says is stored until this capture is done.
        await _store.RefreshAsync(cancellationToken);
        var counters = new EngineCounters();
        LastCapture = counters;
        var tracker = new ProgressTracker(progress);
        tracker.ExpectServices(request.Services.Count);
        var context = new EngineContext(_store, _options, counters, tracker, cancellationToken, request.Live, removals: _removals);
        var previous = await EngineTelemetry.PhaseAsync("capture.prepare", request.SnapshotId, null, () => FindPreviousAsync(request.EnvironmentKey, cancellationToken));

        List<ManifestService> services;
        try
        {
            services = await ForEachServiceAsync(request.Services, async (spec, token) =>
            {
                var reuse = Reusable(request.EnvironmentKey, spec, previous);
                var ofService = tracker.ForService();
                try
                {
                    return await EngineTelemetry.PhaseAsync("capture.service", request.SnapshotId, spec, () => _adapters.For(spec.Kind).CaptureAsync(spec, reuse, context.ForService(ofService, token)));
                }
                finally
                {
                    ofService.Sized();
                }
            }, cancellationToken);

            cancellationToken.ThrowIfCancellationRequested();
            var manifest = new Manifest(Manifest.CurrentVersion, request.SnapshotId, request.EnvironmentKey, startedAt, services)
            {
                Label = request.Label is null ? null : request.Label with
                {
                    CompletedAt = DateTimeOffset.UtcNow,
                    SizeOfVolumes = services.Where(s => s.Kind == ServiceKind.Mount).Sum(s => s.Size),
                    SizeOfDatabases = services.Where(s => s.Kind != ServiceKind.Mount).Sum(s => s.Size),
                    SizeStored = counters.BytesStored,
                },
            };
            await EngineTelemetry.PhaseAsync("capture.commit", request.SnapshotId, null,
                () => _store.WriteManifestAsync(request.SnapshotId, manifest.ToJson(), counters.Stored, cancellationToken).AsTask());
            _recent.Remember(manifest);
        }
        catch (IOException ex) when (DiskFailures.IsDiskFull(ex))
        {
            // A capture writes only to the store (objects, its temp files, the manifest): that is the disk that is full.
            var (done, total) = tracker.Figures;
            throw DiskFailures.StoreFull(_options.StorePath, total - done, ex);
        }

        foreach (var mount in request.Services.Where(s => s.Kind == ServiceKind.Mount))
        {
            // The new manifest is the newer record of these files now.
            _restored.Delete(request.EnvironmentKey, mount.Name);
        }

        tracker.Finish("Snapshot complete");

        var volumes = services.Where(s => s.Kind == ServiceKind.Mount).Sum(s => s.Size);
        var databases = services.Where(s => s.Kind != ServiceKind.Mount).Sum(s => s.Size);
        return new CaptureResult(volumes, databases, counters.BytesStored, clock.Elapsed, context.Warnings.ToList());
    }

    public Task VerifyAsync(string snapshotId, CancellationToken cancellationToken) =>
        VerifyAsync(snapshotId, new Progress<EngineProgress>(), cancellationToken);

    public Task VerifyAsync(string snapshotId, IProgress<EngineProgress> progress, CancellationToken cancellationToken) =>
        EngineTelemetry.PhaseAsync("verify", snapshotId, null, () => VerifyCoreAsync(snapshotId, progress, cancellationToken));

    private async Task VerifyCoreAsync(string snapshotId, IProgress<EngineProgress> progress, CancellationToken cancellationToken)
    {
        var manifest = await LoadAsync(snapshotId, cancellationToken);
        await using var shared = await _lock.SharedAsync(cancellationToken);
        await _store.RefreshAsync(cancellationToken);
        var tracker = new ProgressTracker(progress);
        tracker.Phase("Reading every object of the snapshot back and checking its hash");
        await VerifyObjectsAsync(manifest.Objects(), tracker, cancellationToken);
        tracker.Finish("Every object matches its hash");
    }

    public Task<RestoreResult> RestoreAsync(RestoreRequest request, IProgress<EngineProgress> progress, CancellationToken cancellationToken) =>
        EngineTelemetry.PhaseAsync("restore", request.SnapshotId, null, () => RestoreCoreAsync(request, progress, cancellationToken));

    private async Task<RestoreResult> RestoreCoreAsync(RestoreRequest request, IProgress<EngineProgress> progress, CancellationToken cancellationToken)
    {
        var manifest = await LoadAsync(request.SnapshotId, cancellationToken);
        var plan = request.Targets.Select(target =>
        {
            var entry = manifest.Services.FirstOrDefault(s => s.Name == target.Name && s.Kind == target.Kind)
                ?? throw new SnapshotEngineException($"Snapshot {request.SnapshotId} has no {target.Kind} service named '{target.Name}'.");
            var adapter = _adapters.For(target.Kind);
            adapter.CheckRestorable(entry, target);
            return (Target: target, Entry: entry, Adapter: adapter);
        }).ToList();

        await using var shared = await _lock.SharedAsync(cancellationToken);
        // A collection elsewhere may have repacked what this node's index names; none can while the lock is held.
        await _store.RefreshAsync(cancellationToken);
        var startedAt = DateTimeOffset.UtcNow;
        var tracker = new ProgressTracker(progress);
        tracker.AddTotal(plan.Sum(p => p.Adapter.RestoreSize(p.Entry)));
        tracker.Phase("Preparing the restore beside the current data, checking each object as it is put in place");
        var context = new EngineContext(_store, _options, new EngineCounters(), tracker, cancellationToken, removals: _removals, heldDrops: _heldDrops);
        var prepared = new System.Collections.Concurrent.ConcurrentQueue<IPreparedRestore>();
        try
        {
            // Nothing is replaced until every service has prepared: a corrupt object anywhere refuses the whole restore.
            var ready = await ForEachServiceAsync(plan, (item, token) => EngineTelemetry.PhaseAsync("restore.prepare", request.SnapshotId, item.Target, async () =>
            {
                var staged = await item.Adapter.PrepareRestoreAsync(item.Entry, item.Target, context.WithCancellation(token));
                prepared.Enqueue(staged);
                return staged;
            }), cancellationToken);

            tracker.Phase("Replacing the environment's data");
            foreach (var mount in plan.Where(p => p.Target.Kind == ServiceKind.Mount && request.EnvironmentKey is not null))
            {
                // An earlier restore's record of these files would outlive a kill between the switch and the new record.
                _restored.Delete(request.EnvironmentKey!, mount.Target.Name);
            }

            if (request.Journal is { } journal)
            {
                await journal.CommittingAsync([.. plan.Select(p => p.Target.Name)], cancellationToken);
            }

            await ForEachServiceAsync(ready.Zip(plan).ToList(), (item, token) => EngineTelemetry.PhaseAsync("restore.commit", request.SnapshotId, item.Second.Target, async () =>
            {
                await item.First.CommitAsync(context.WithCancellation(token));
                if (request.EnvironmentKey is { } environment && item.First.Restored is { } written)
                {
                    _restored.Write(environment, request.SnapshotId, startedAt, written);
                }
                if (request.Journal is { } done)
                {
                    await done.CommittedAsync(item.Second.Target.Name, CancellationToken.None);
                }

                return true;
            }), cancellationToken);
        }
        finally
        {
            foreach (var staged in prepared)
            {
                await staged.DisposeAsync();
            }
        }

        tracker.Finish("Restore complete");
        return new RestoreResult(context.Warnings.ToList(), tracker.Done);
    }

    public Task<long> DeleteAsync(string snapshotId, CancellationToken cancellationToken) => EngineTelemetry.PhaseAsync("delete", snapshotId, null, async () =>
    {
        SnapshotIds.Validate(snapshotId);
        // Measured under the exclusive lock, so no capture adds to the store between the two measures: the difference is
        // exactly the manifest and the objects no other snapshot shares.
        await using var exclusive = await _lock.ExclusiveAsync(cancellationToken);
        // Off the caller's thread: the filesystem store walks every object folder synchronously.
        return await Task.Run(async () =>
        {
            var before = await _store.TotalBytesAsync(cancellationToken);
            await _store.DeleteManifestAsync(snapshotId, cancellationToken);
            _recent.Forget(snapshotId);
            // A pin left by an unpin that did not reach the store: nothing is left for it to keep.
            await _store.SetPinAsync(snapshotId, null, cancellationToken);
            await CollectAsync(cancellationToken);
            return Math.Max(0, before - await _store.TotalBytesAsync(cancellationToken));
        }, cancellationToken);
    });

    public async Task<bool> HasManifestAsync(string snapshotId, CancellationToken cancellationToken) =>
        await _store.HasManifestAsync(SnapshotIds.Validate(snapshotId), cancellationToken);

    public Task<IReadOnlyList<StoredSnapshot>> ListStoredAsync(CancellationToken cancellationToken) =>
        Task.Run(() => ManifestListing.ListAsync(_store, cancellationToken), cancellationToken);

    private static readonly JsonSerializerOptions PinJson = new(JsonSerializerDefaults.Web);

    public Task SetPinAsync(string snapshotId, StoredPin? pin, CancellationToken cancellationToken) => Task.Run(async () =>
        await _store.SetPinAsync(SnapshotIds.Validate(snapshotId), pin is null ? null : JsonSerializer.SerializeToUtf8Bytes(pin, PinJson), cancellationToken), cancellationToken);

    public Task<IReadOnlyDictionary<string, StoredPin>> ReadPinsAsync(CancellationToken cancellationToken) => Task.Run<IReadOnlyDictionary<string, StoredPin>>(async () =>
    {
        var pins = new Dictionary<string, StoredPin>(StringComparer.Ordinal);
        foreach (var (id, json) in await _store.ReadPinsAsync(cancellationToken))
        {
            try
            {
                if (JsonSerializer.Deserialize<StoredPin>(json, PinJson) is { By: not null, Reason: not null } pin)
                {
                    pins[id] = pin;
                }
            }
            catch (JsonException)
            {
                // A damaged pin file keeps nothing pinned; the manifest itself is still found.
            }
        }

        return pins;
    }, cancellationToken);

    public Task<long> MeasureStoreAsync(CancellationToken cancellationToken) => Task.Run(() => _store.TotalBytesAsync(cancellationToken).AsTask(), cancellationToken);

    public Task ProbeWritableAsync(CancellationToken cancellationToken) => Task.Run(async () =>
    {
        // A file in the store's temp folder, where pending objects are written (a remote store keeps small ones in memory).
        var path = _store.NewTempPath(".probe");
        try
        {
            await using var probe = OwnerOnly.CreateFile(path, FileShare.None, 0);
            probe.WriteByte(0);
            await probe.FlushAsync(cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }, cancellationToken);

    /// <summary>Completes once every swapped-out tree scheduled so far is deleted; for tests and benchmarks.</summary>
    internal Task WhenOldTreesRemovedAsync() => _removals.WhenIdleAsync();

    /// <summary>Completes once every replaced MariaDB table scheduled so far is dropped; for tests and benchmarks.</summary>
    internal Task WhenHeldTablesDroppedAsync() => _heldDrops.WhenIdleAsync();

    /// <summary>Holds back the drops of replaced MariaDB tables until release, as a kill would leave them; a test seam.</summary>
    internal void HoldHeldTableDropsUntil(Task release) => _heldDrops.HoldUntil(release);

    /// <summary>Holding databases recorded and not yet dropped; for tests.</summary>
    internal int HeldTablesPending => _heldDrops.Pending;

    public void ResumeLeftovers(ServiceSpec service)
    {
        // Only MariaDB leaves work behind a restore that a service's own setting finishes; the drops need no adapter instance.
        if (service.Kind == ServiceKind.MySql)
        {
            MySqlAdapter.ResumeHeldDrops(service, _heldDrops);
        }
    }

    public void Dispose()
    {
        _heldDrops.Dispose();
        _removals.Dispose();
    }

    private async Task CollectAsync(CancellationToken cancellationToken)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in await _store.ListManifestsAsync(cancellationToken))
        {
            var json = await _store.ReadManifestAsync(id, cancellationToken);
            if (json is null)
            {
                continue;
            }

            // An unreadable manifest might still reference anything: collecting now could destroy a snapshot.
            Manifest manifest;
            try
            {
                manifest = Manifest.FromJson(json, id);
            }
            catch (SnapshotCorruptException)
            {
                return;
            }

            referenced.UnionWith(manifest.Objects().Select(o => o.Chunk.Hash));
        }

        var listed = await _store.ListAsync(cancellationToken);
        foreach (var hash in listed)
        {
            if (!referenced.Contains(hash))
            {
                await _store.DeleteAsync(hash, cancellationToken);
            }
        }

        // A referenced object missing from the listing may sit in a pack whose index cannot be read: such packs are kept then.
        await _store.CompactAsync(referenced.IsSubsetOf(listed), cancellationToken);
        await _store.ClearTempAsync(cancellationToken);
    }

    /// <summary>
    /// Runs one task per service, a few at a time: a database dump waits on its server while files are hashed, so services
    /// overlap instead of queueing. Results keep the input order; the first failure cancels the others and is rethrown.
    /// </summary>
    private static async Task<List<TResult>> ForEachServiceAsync<TItem, TResult>(
        IReadOnlyList<TItem> items, Func<TItem, CancellationToken, Task<TResult>> run, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(ServiceConcurrency);
        var tasks = items.Select(async item =>
        {
            await slots.WaitAsync(failed.Token);
            try
            {
                return await run(item, failed.Token);
            }
            catch
            {
                await failed.CancelAsync();
                throw;
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch when (tasks.FirstOrDefault(t => t.IsFaulted) is { } first)
        {
            // The root cause, not the OperationCanceledException of a sibling that was stopped because of it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first.Exception!.InnerExceptions[0]).Throw();
        }

        return [.. tasks.Select(t => t.Result)];
    }

    private Task VerifyObjectsAsync(IEnumerable<(ChunkRef Chunk, string Owner)> objects, ProgressTracker tracker, CancellationToken cancellationToken) =>
        ChunkReader.VerifyAllAsync(_store, objects, tracker, cancellationToken);

    private async Task<Manifest> LoadAsync(string snapshotId, CancellationToken cancellationToken)
    {
        var json = await _store.ReadManifestAsync(SnapshotIds.Validate(snapshotId), cancellationToken)
            ?? throw new SnapshotEngineException($"Snapshot {snapshotId} is not in the store (no manifest).");
        return Manifest.FromJson(json, snapshotId);
    }

    /// <summary>
    /// The newest complete snapshot of the same environment, whose file hashes a capture may reuse: the one this engine
    /// wrote last while the store still has it, else found by manifest headers only, so a store holding many environments'
    /// snapshots costs one full parse, not one per manifest.
    /// </summary>
    private async Task<Manifest?> FindPreviousAsync(string environmentKey, CancellationToken cancellationToken)
    {
        if (_recent.Find(environmentKey) is { } recent && await _store.HasManifestAsync(recent.SnapshotId, cancellationToken))
        {
            return recent;
        }

        var ids = await _store.ListManifestsAsync(cancellationToken);
        var headers = new (string EnvironmentKey, DateTimeOffset CreatedAt)?[ids.Count];
        // Headers at once: on a cold cache each waits on the disk or the network.
        OwnThreads.For(ids.Count, _store.Concurrency, "Portal manifest headers", i =>
            headers[i] = StoreCalls.Wait(_store.ReadManifestStartAsync(ids[i], ManifestHeaderBytes, cancellationToken)) is { } start ? Manifest.ReadHeader(start) : null,
            cancellationToken);
        var candidates = ids.Zip(headers).Where(h => h.Second?.EnvironmentKey == environmentKey).Select(h => (Id: h.First, h.Second!.Value.CreatedAt)).ToList();

        foreach (var (id, _) in candidates.OrderByDescending(c => c.CreatedAt))
        {
            try
            {
                if (await _store.ReadManifestAsync(id, cancellationToken) is { } json)
                {
                    return Manifest.FromJson(json, id);
                }
            }
            catch (SnapshotEngineException)
            {
                // A damaged manifest only costs reuse; the next older one may still serve.
            }
        }

        return null;
    }

    /// <summary>
    /// What a capture of the service may reuse unread: the environment's newest snapshot of it, or what a restore wrote into
    /// the mount since (whose files have new inodes the snapshot does not know).
    /// </summary>
    private PreviousCapture? Reusable(string environmentKey, ServiceSpec spec, Manifest? previous)
    {
        var before = previous?.Services.FirstOrDefault(s => s.Name == spec.Name && s.Kind == spec.Kind);
        var captured = before is null ? null : new PreviousCapture(before, previous!.CreatedAt);
        return spec.Kind == ServiceKind.Mount && _restored.Read(environmentKey, spec.Name) is { } restored
            && (captured is null || restored.StartedAt > captured.StartedAt)
            ? restored
            : captured;
    }
}
