namespace Portal.Engine.Store;

using System.Security.Cryptography;
using Portal.Engine.Manifests;
using ZstdNet;

/// <summary>
/// Reads a list of chunks back as one uncompressed stream, rehashing each chunk as it goes, so content that
/// changed after verification still fails loudly instead of being restored.
/// </summary>
internal sealed class ChunkReader : ReadOnlyStream
{
    /// <summary>Objects up to this size (stored and restored) are read in one call and decompressed with a reused context.</summary>
    private const int WholeLimit = 4 << 20;

    [ThreadStatic]
    private static Decompressor? _decompressor;

    private readonly IObjectStore _store;
    private readonly IReadOnlyList<ChunkRef> _chunks;
    private readonly string _owner;
    private readonly CancellationToken _cancellationToken;
    private int _index = -1;
    private Stream? _raw;
    private DecompressionStream? _current;
    private IncrementalHash? _hash;
    private long _read;
    private byte[]? _whole;
    private int _wholeLength;
    private int _wholeServed;

    public ChunkReader(IObjectStore store, IReadOnlyList<ChunkRef> chunks, string owner, CancellationToken cancellationToken)
    {
        _store = store;
        _chunks = chunks;
        _owner = owner;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Decompresses and rehashes one object; returns the uncompressed size or throws naming the owner.</summary>
    public static long Verify(IObjectStore store, ChunkRef chunk, string owner, Action<long>? advance, CancellationToken cancellationToken)
    {
        using var reader = new ChunkReader(store, [chunk], owner, cancellationToken);
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = reader.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += n;
            advance?.Invoke(n);
        }

        return total;
    }

    /// <summary>Verifies each distinct object once, on every core; throws naming the first bad one and its owner.</summary>
    public static async Task VerifyAllAsync(IObjectStore store, IEnumerable<(ChunkRef Chunk, string Owner)> objects, ProgressTracker tracker, CancellationToken cancellationToken)
    {
        // In the order the store keeps them, so a pack is downloaded once.
        var distinct = objects.DistinctBy(o => o.Chunk.Hash).OrderBy(o => store.ReadOrder(o.Chunk.Hash)).ToList();
        tracker.AddTotal(distinct.Sum(o => o.Chunk.Size));
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        await Parallel.ForEachAsync(distinct, options, (item, token) =>
        {
            Verify(store, item.Chunk, item.Owner, tracker.Advance, token);
            return ValueTask.CompletedTask;
        });
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_current is null && _whole is null && !OpenNext())
            {
                return 0;
            }

            if (_whole is not null)
            {
                // Already decompressed and checked whole: served from memory.
                var served = Math.Min(buffer.Length, _wholeLength - _wholeServed);
                _whole.AsSpan(_wholeServed, served).CopyTo(buffer);
                _wholeServed += served;
                if (_wholeServed == _wholeLength)
                {
                    ReturnWhole();
                }

                if (served > 0)
                {
                    return served;
                }

                continue;
            }

            int n;
            try
            {
                n = _current!.Read(buffer);
            }
            catch (ZstdException ex)
            {
                throw Corrupt("not a valid zstd object", ex);
            }
            catch (IOException ex)
            {
                // The store's bytes stopped coming (a reset connection, a disk error): nothing is proven damaged, so this is
                // no corruption; a verify records nothing and the next one reads again.
                throw new IOException($"Reading object {_chunks[_index].Hash} ({_owner}) from the store failed: {ex.Message}", ex);
            }

            if (n > 0)
            {
                _hash!.AppendData(buffer[..n]);
                _read += n;
                if (_read > _chunks[_index].Size)
                {
                    throw Corrupt("longer than recorded");
                }

                return n;
            }

            FinishCurrent();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseCurrent();
        }

        base.Dispose(disposing);
    }

    private bool OpenNext()
    {
        if (_index + 1 >= _chunks.Count)
        {
            return false;
        }

        _index++;
        try
        {
            _raw = StoreCalls.Wait(_store.OpenReadAsync(_chunks[_index].Hash, _cancellationToken));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Corrupt("missing from the store", ex);
        }

        _read = 0;
        if (_raw.Length <= WholeLimit && _chunks[_index].Size <= WholeLimit)
        {
            ReadWhole();
            return true;
        }

        _current = new DecompressionStream(_raw);
        _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        return true;
    }

    /// <summary>Most objects are small files: one read, one decompression, one hash, no per-object context or stream.</summary>
    private void ReadWhole()
    {
        var chunk = _chunks[_index];
        var stored = System.Buffers.ArrayPool<byte>.Shared.Rent((int)_raw!.Length);
        try
        {
            var length = _raw.ReadAtLeast(stored, (int)_raw.Length, throwOnEndOfStream: false);
            _raw.Dispose();
            _raw = null;
            // One byte more than recorded, so content longer than the manifest says is seen rather than cut.
            _whole = System.Buffers.ArrayPool<byte>.Shared.Rent((int)chunk.Size + 1);
            try
            {
                _wholeLength = (_decompressor ??= new Decompressor()).Unwrap(stored.AsSpan(0, length), _whole.AsSpan(0, (int)chunk.Size + 1), bufferSizePrecheck: false);
            }
            catch (ZstdException ex)
            {
                throw Corrupt("not a valid zstd object", ex);
            }

            _wholeServed = 0;
            var actual = Convert.ToHexStringLower(SHA256.HashData(_whole.AsSpan(0, _wholeLength)));
            if (_wholeLength != chunk.Size || actual != chunk.Hash)
            {
                throw Corrupt($"corrupt (content hashes to {actual}, {_wholeLength} bytes)");
            }

            if (_wholeLength == 0)
            {
                ReturnWhole();
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(stored);
        }
    }

    private void ReturnWhole()
    {
        if (_whole is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_whole);
            _whole = null;
        }
    }

    private void FinishCurrent()
    {
        var chunk = _chunks[_index];
        var actual = Convert.ToHexStringLower(_hash!.GetHashAndReset());
        CloseCurrent();
        if (_read != chunk.Size || actual != chunk.Hash)
        {
            throw Corrupt($"corrupt (content hashes to {actual}, {_read} bytes)");
        }
    }

    private void CloseCurrent()
    {
        ReturnWhole();
        _current?.Dispose();
        _raw?.Dispose();
        _hash?.Dispose();
        _current = null;
        _raw = null;
        _hash = null;
    }

    private SnapshotCorruptException Corrupt(string problem, Exception? inner = null)
    {
        var hash = _chunks[_index].Hash;
        CloseCurrent();
        return new SnapshotCorruptException(hash, _owner, problem, inner);
    }
}
