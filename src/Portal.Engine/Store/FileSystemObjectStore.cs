namespace Portal.Engine.Store;

/// <summary>Objects under objects/ab/cdef…, manifests under manifests/&lt;id&gt;.json, pins under pins/&lt;id&gt;.json, temp files under tmp/; all owner-only (<see cref="OwnerOnly"/>).</summary>
internal sealed class FileSystemObjectStore : IObjectStore
{
    private readonly string _objects;
    private readonly string _manifests;
    private readonly string _pins;
    private readonly string _temp;

    /// <summary>Up to this many new objects an incremental snapshot syncs one by one; beyond, one syncfs is cheaper.</summary>
    private const int SyncEachUpTo = 256;

    /// <summary>How many fsyncs a small capture has waiting at once.</summary>
    private const int FlushThreads = 16;

    public FileSystemObjectStore(string root)
    {
        if (string.IsNullOrWhiteSpace(root))
        {
            throw new SnapshotEngineException("The snapshot store path is not configured (Engine:StorePath).");
        }

        var full = Path.GetFullPath(root);
        _objects = Path.Combine(full, "objects");
        _manifests = Path.Combine(full, "manifests");
        _pins = Path.Combine(full, "pins");
        _temp = Path.Combine(full, "tmp");
        OwnerOnly.CreateFolder(_objects);
        OwnerOnly.CreateFolder(_manifests);
        OwnerOnly.CreateFolder(_pins);
        OwnerOnly.CreateFolder(_temp);
    }

    // A cold file waits on the disk when opened and first read; with several per core another computes meanwhile.
    public int Concurrency => Environment.ProcessorCount * OwnThreads.DiskWaitsPerCore;

    // Each call below runs synchronously and returns a completed ValueTask: local file calls gain nothing from a thread hop.
    public ValueTask<IPendingObject> BeginPutAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IPendingObject>(new PendingFile(this, NewTempPath(".obj")));
    }

    // A local existence check costs less than moving a file over an identical one, so it is made even when the caller knows.
    public ValueTask<long> CommitAsync(IPendingObject pending, string hash, bool knownMissing, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(((PendingFile)pending).Commit(hash));
    }

    public ValueTask<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Unbuffered: readers take large blocks (or the whole object) themselves, so a buffer per object would only be copied through.
        return ValueTask.FromResult<Stream>(new FileStream(ObjectPath(hash), FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan));
    }

    public ValueTask<bool> ExistsAsync(string hash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Exists(hash));
    }

    // A file's existence is one local system call: cheaper than reading its folder.
    public ValueTask<ObjectPage?> ListFolderAsync(string folder, CancellationToken cancellationToken) => ValueTask.FromResult<ObjectPage?>(null);

    public ValueTask DeleteAsync(string hash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        File.Delete(ObjectPath(hash));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlySet<string>> WhichExistAsync(IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlySet<string>>(WhichExist(hashes, cancellationToken));
    }

    public ValueTask<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<string>>([.. List(cancellationToken)]);

    public ValueTask<long> TotalBytesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(new[] { _objects, _manifests }.SelectMany(folder => new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories)).Sum(file => file.Length));
    }

    public ValueTask WriteManifestAsync(string snapshotId, byte[] content, IReadOnlyCollection<string> stored, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WriteManifest(snapshotId, content, stored);
        return ValueTask.CompletedTask;
    }

    public ValueTask<byte[]?> ReadManifestAsync(string snapshotId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(ReadManifest(snapshotId));
    }

    public ValueTask<byte[]?> ReadManifestStartAsync(string snapshotId, int length, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(ReadManifestStart(snapshotId, length));
    }

    public ValueTask<bool> HasManifestAsync(string snapshotId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(File.Exists(ManifestPath(snapshotId)));
    }

    public ValueTask DeleteManifestAsync(string snapshotId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        File.Delete(ManifestPath(snapshotId));
        Posix.FsyncDirectory(_manifests);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<string>>([.. Directory.EnumerateFiles(_manifests, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>()]);
    }

    public ValueTask SetPinAsync(string snapshotId, byte[]? content, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var final = Path.Combine(_pins, SnapshotIds.Validate(snapshotId) + ".json");
        if (content is null)
        {
            File.Delete(final);
        }
        else
        {
            var temp = NewTempPath(".pin");
            using (var stream = OwnerOnly.CreateFile(temp))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, final, overwrite: true);
        }

        Posix.FsyncDirectory(_pins);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyDictionary<string, byte[]>> ReadPinsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyDictionary<string, byte[]>>(Directory.EnumerateFiles(_pins, "*.json")
            .Select(path => (Id: Path.GetFileNameWithoutExtension(path), Path: path))
            .Where(pin => SnapshotIds.IsValid(pin.Id))
            .ToDictionary(pin => pin.Id, pin => File.ReadAllBytes(pin.Path), StringComparer.Ordinal));
    }

    /// <summary>Every object is a file of its own: no order reads them faster.</summary>
    public long ReadOrder(string hash) => -1;

    /// <summary>Every lookup reads the folder itself: there is no index to refresh.</summary>
    public ValueTask RefreshAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Each object is its own file, so the collection's deletes freed everything already.</summary>
    public ValueTask CompactAsync(bool everyReferencedObjectListed, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask ClearTempAsync(CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(_temp))
        {
            cancellationToken.ThrowIfCancellationRequested();
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }

    private bool Exists(string hash) => File.Exists(ObjectPath(hash));

    private HashSet<string> WhichExist(IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        var folders = hashes.Where(ObjectHash.IsValid).Distinct(StringComparer.Ordinal).GroupBy(h => h[..2], StringComparer.Ordinal).ToList();
        var present = new List<string>[folders.Count];
        // Folders at once: on a cold cache each listing waits on the disk (12,500 objects in 256 folders: 50 ms one by one).
        OwnThreads.For(folders.Count, Concurrency, "Portal store lookup", i =>
        {
            // A listing is one read of the folder; a lookup per object reads each object's inode, which on a cold cache is a
            // seek each. A few objects are looked up one by one, so a small mount does not list a large store.
            var wanted = folders[i].ToList();
            if (wanted.Count < 8)
            {
                present[i] = [.. wanted.Where(Exists)];
                return;
            }

            var path = Path.Combine(_objects, folders[i].Key);
            var names = Directory.Exists(path) ? Directory.EnumerateFiles(path).Select(f => Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal) : [];
            present[i] = [.. wanted.Where(hash => names.Contains(hash[2..]))];
        }, cancellationToken);
        return present.SelectMany(p => p).ToHashSet(StringComparer.Ordinal);
    }

    private IEnumerable<string> List(CancellationToken cancellationToken)
    {
        foreach (var prefix in Directory.EnumerateDirectories(_objects))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var head = Path.GetFileName(prefix);
            foreach (var file in Directory.EnumerateFiles(prefix))
            {
                var hash = head + Path.GetFileName(file);
                if (ObjectHash.IsValid(hash))
                {
                    yield return hash;
                }
            }
        }
    }

    private void WriteManifest(string snapshotId, byte[] content, IReadOnlyCollection<string> stored)
    {
        var final = ManifestPath(snapshotId);
        if (stored.Count <= SyncEachUpTo)
        {
            // A few objects: sync just them and their folders, not every dirty page of a filesystem the shop may share.
            var files = stored.Select(ObjectPath).ToList();
            // fsyncs waiting at once let the disk (and a journal) take their flushes together (125 objects: 63-71 ms one by one, 30-34 ms on 16 threads).
            OwnThreads.ForEach(files, FlushThreads, "Portal store flush", Posix.FsyncFile, CancellationToken.None);
            OwnThreads.ForEach([.. files.Select(f => Path.GetDirectoryName(f)!).Distinct(StringComparer.Ordinal)], FlushThreads, "Portal store flush", Posix.FsyncDirectory, CancellationToken.None);
        }
        else
        {
            Posix.SyncFileSystem(_objects);
        }

        var temp = NewTempPath(".json");
        using (var stream = OwnerOnly.CreateFile(temp))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, final, overwrite: true);
        Posix.FsyncDirectory(_manifests);
    }

    private byte[]? ReadManifest(string snapshotId)
    {
        var path = ManifestPath(snapshotId);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private byte[]? ReadManifestStart(string snapshotId, int length)
    {
        try
        {
            using var stream = new FileStream(ManifestPath(snapshotId), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var buffer = new byte[length];
            var read = stream.ReadAtLeast(buffer, length, throwOnEndOfStream: false);
            return buffer[..read];
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public string NewTempPath(string suffix) => Path.Combine(_temp, Guid.NewGuid().ToString("N") + suffix);

    private string ObjectPath(string hash)
    {
        ObjectHash.Validate(hash);
        return Path.Combine(_objects, hash[..2], hash[2..]);
    }

    private string ManifestPath(string snapshotId) => Path.Combine(_manifests, SnapshotIds.Validate(snapshotId) + ".json");

    private sealed class PendingFile(FileSystemObjectStore store, string tempPath) : IPendingObject
    {
        private bool _committed;

        // Unbuffered: the compressor and the raw framer write whole blocks, and most objects are written in one call.
        public Stream Content { get; } = OwnerOnly.CreateFile(tempPath, FileShare.None, 0);

        public long Commit(string hash)
        {
            // No fsync here: WriteManifest syncs the objects (or the whole filesystem, for many) before the manifest makes them count.
            Content.Flush();
            var size = Content.Length;
            var final = store.ObjectPath(hash);
            _committed = true;
            if (File.Exists(final))
            {
                // Before any writeback starts: unlinking a file under writeback waits for the disk to take bytes nobody needs.
                Content.Dispose();
                File.Delete(tempPath);
                return 0;
            }

            Posix.StartWriteback(((FileStream)Content).SafeFileHandle);
            Content.Dispose();

            OwnerOnly.CreateFolder(Path.GetDirectoryName(final)!);
            // Rename is atomic: a reader sees either no object or the whole object, never a partial one.
            File.Move(tempPath, final, overwrite: true);
            return size;
        }

        public void Dispose()
        {
            Content.Dispose();
            if (!_committed)
            {
                File.Delete(tempPath);
            }
        }
    }
}
