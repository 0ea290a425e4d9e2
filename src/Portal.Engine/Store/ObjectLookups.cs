namespace Portal.Engine.Store;

using System.Collections.Concurrent;

/// <summary>
/// One capture's answers to "is this object stored?", for a store where each lookup is a request (S3): the first lookup in an
/// object folder (objects/ab/) lists that folder's first page (up to 1000 names), which answers every later lookup in it up
/// to the last name listed, instead of a HEAD per object (a new object's HEAD is a 404, which the AWS SDK also raises as an
/// exception). Only while the store is small enough that a folder fits in one page: once a folder's first page comes back
/// truncated (more than ~256,000 objects in all), no further folder is listed and lookups beyond a listed page go object by
/// object, so a capture on a huge store pays at most the few pages that found it out. A store that looks up as cheaply as it
/// lists (a local filesystem) is always asked object by object.
/// It lives as long as its capture (<see cref="EngineContext"/>), which holds the store's shared lock, so no object is
/// deleted meanwhile and a "stored" never goes stale; a "missing" can (another capture storing the same content), which
/// costs only sending the same bytes again. Never process-wide: another capture, or another node, may have collected since.
/// </summary>
internal sealed class ObjectLookups(IObjectStore store)
{
    private readonly ConcurrentDictionary<string, Folder> _folders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _stored = new(StringComparer.Ordinal);

    /// <summary>True until a folder's first page came back truncated, or the store said it does not list.</summary>
    private volatile bool _listing = true;

    public async ValueTask<bool> ExistsAsync(string hash, CancellationToken cancellationToken)
    {
        ObjectHash.Validate(hash);
        if (_stored.ContainsKey(hash))
        {
            return true;
        }

        var folder = _folders.GetOrAdd(hash[..2], static _ => new Folder());
        bool? known;
        await folder.Gate.WaitAsync(cancellationToken);
        try
        {
            known = folder.Answer(hash);
            if (known is null && !folder.Listed && _listing)
            {
                var page = await store.ListFolderAsync(hash[..2], cancellationToken);
                folder.Take(page);
                _listing &= page is { Truncated: false };
                known = folder.Answer(hash);
            }
        }
        finally
        {
            folder.Gate.Release();
        }

        if (known is { } answer)
        {
            return answer;
        }

        if (await store.ExistsAsync(hash, cancellationToken))
        {
            _stored.TryAdd(hash, 0);
            return true;
        }

        return false;
    }

    /// <summary>Records an object this capture stored; true the first time, so two files of the same content count as new once.</summary>
    public bool Add(string hash) => _stored.TryAdd(hash, 0);

    /// <summary>What one listed page says about one folder; guarded by <see cref="Gate"/>.</summary>
    private sealed class Folder
    {
        private HashSet<string>? _names;
        private string? _listedUpTo;
        private bool _whole;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool Listed { get; private set; }

        public void Take(ObjectPage? page)
        {
            Listed = true;
            if (page is not null)
            {
                _names = page.Names.ToHashSet(StringComparer.Ordinal);
                _listedUpTo = page.Names.Count > 0 ? page.Names[^1] : null;
                _whole = !page.Truncated;
            }
        }

        /// <summary>True or false where the page decides, null where only a lookup can tell.</summary>
        public bool? Answer(string hash)
        {
            if (_names is null)
            {
                return null;
            }

            var name = hash[2..];
            return _whole || (_listedUpTo is not null && string.CompareOrdinal(name, _listedUpTo) <= 0) ? _names.Contains(name) : null;
        }
    }
}

/// <summary>Names (the part of each key after objects/ab/) in the order the store lists them, and whether more follow.</summary>
internal sealed record ObjectPage(IReadOnlyList<string> Names, bool Truncated);
