namespace Portal.Engine.Manifests;

/// <summary>
/// The manifest this engine wrote last for each environment, kept parsed, so the next capture finds what it may reuse
/// without listing the store and reading and parsing it again (12,500 files: a 3.7 MB manifest, 20-70 ms cold). Any
/// existing manifest of the environment is a sound base, as a file is reused only when its inode, size and mtime match
/// and the store still holds its objects; one that another node wrote since would only reuse more. Bounded by entries,
/// so large mounts do not pin memory: what does not fit is read from the store as before.
/// </summary>
internal sealed class RecentManifests(int maxEntries = RecentManifests.DefaultMaxEntries)
{
    /// <summary>About 110 MB at most: a parsed entry of one chunk takes about 530 bytes (6.8 MB for 12,500 files).</summary>
    public const int DefaultMaxEntries = 200_000;

    private readonly Lock _gate = new();
    private readonly LinkedList<(Manifest Manifest, int Entries)> _newestLast = new();
    private int _entries;

    public void Remember(Manifest manifest)
    {
        var entries = 1 + manifest.Services.Sum(s => s.Mount?.Entries.Count ?? 0);
        lock (_gate)
        {
            RemoveLocked(n => n.Manifest.EnvironmentKey == manifest.EnvironmentKey);
            if (entries > maxEntries)
            {
                return;
            }

            while (_entries + entries > maxEntries && _newestLast.First is { } oldest)
            {
                _entries -= oldest.Value.Entries;
                _newestLast.RemoveFirst();
            }

            _newestLast.AddLast((manifest, entries));
            _entries += entries;
        }
    }

    /// <summary>The environment's manifest written last by this engine, if it is still remembered.</summary>
    public Manifest? Find(string environmentKey)
    {
        lock (_gate)
        {
            return _newestLast.FirstOrDefault(n => n.Manifest.EnvironmentKey == environmentKey).Manifest;
        }
    }

    public void Forget(string snapshotId)
    {
        lock (_gate)
        {
            RemoveLocked(n => n.Manifest.SnapshotId == snapshotId);
        }
    }

    private void RemoveLocked(Func<(Manifest Manifest, int Entries), bool> match)
    {
        for (var node = _newestLast.First; node is not null;)
        {
            var next = node.Next;
            if (match(node.Value))
            {
                _entries -= node.Value.Entries;
                _newestLast.Remove(node);
            }

            node = next;
        }
    }
}
