namespace Portal.Engine.Store;

using System.Buffers;
using System.Security.Cryptography;
using Portal.Engine.Manifests;
using ZstdNet;

/// <summary>
/// A write-only stream that cuts what is written into chunks, hashing and compressing each on the fly,
/// so a dump of any size reaches the store without being held in memory or uncompressed on disk.
/// The start of each chunk is test-compressed first: content that does not shrink is stored in raw zstd blocks.
/// </summary>
internal sealed class ObjectSink : WriteOnlyStream
{
    /// <summary>Enough to tell a JPEG or a random blob from text; small files fit whole and are compressed only once.</summary>
    private const int ProbeSize = 128 * 1024;

    /// <summary>What a chunk longer than the probe is judged by: a JPEG or random blob does not shrink in any 16 KiB of it.</summary>
    private const int SampleSize = 16 * 1024;

    /// <summary>Compressed/original above this keeps the content raw: the space saved would not pay for the CPU.</summary>
    private const double RawAbove = 0.95;

    [ThreadStatic]
    private static (int Level, Compressor Compressor)? _probeCompressor;

    private readonly EngineContext _context;
    private readonly List<ChunkRef> _chunks = [];
    // Pooled: a capture opens one sink per file, and fresh 128 KiB arrays would each land on the large object heap.
    private readonly byte[] _probe = ArrayPool<byte>.Shared.Rent(ProbeSize);
    private IPendingObject? _pending;
    private Stream? _compressor;
    private IncrementalHash? _hash;
    private long _chunkLength;
    private int _probed;
    private byte[]? _frame;
    private bool _disposed;

    public ObjectSink(EngineContext context)
    {
        _context = context;
    }

    public long TotalLength { get; private set; }

    public override long Length => TotalLength;

    public override long Position
    {
        get => TotalLength;
        set => throw new NotSupportedException();
    }

    /// <summary>Seals the last chunk; an empty stream yields no chunks.</summary>
    public IReadOnlyList<ChunkRef> Complete()
    {
        if (_hash is not null)
        {
            FinishChunk();
        }

        return _chunks;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            if (_hash is null)
            {
                _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                _chunkLength = 0;
                _probed = 0;
            }

            var take = (int)Math.Min(buffer.Length, _context.Options.ChunkSizeBytes - _chunkLength);
            if (_compressor is null)
            {
                take = Math.Min(take, ProbeSize - _probed);
            }

            var part = buffer[..take];
            _hash!.AppendData(part);
            if (_compressor is null)
            {
                part.CopyTo(_probe.AsSpan(_probed));
                _probed += take;
                if (_probed == ProbeSize)
                {
                    _compressor = ChooseEncoding();
                }
            }
            else
            {
                _compressor.Write(part);
            }

            _chunkLength += take;
            TotalLength += take;
            _context.Counters.AddBytesHashed(take);
            _context.Progress.Advance(take);
            buffer = buffer[take..];
            if (_chunkLength == _context.Options.ChunkSizeBytes)
            {
                FinishChunk();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _compressor?.Dispose();
            _hash?.Dispose();
            _pending?.Dispose();
            _pending = null;
            ArrayPool<byte>.Shared.Return(_probe);
            if (_frame is not null)
            {
                ArrayPool<byte>.Shared.Return(_frame);
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Test-compresses the probe and returns the stream the rest of the chunk goes through, probe already written.</summary>
    private Stream ChooseEncoding()
    {
        // Only a chunk longer than the probe is streamed to a temp object before its hash is known.
        _pending = StoreCalls.Wait(_context.Store.BeginPutAsync(_context.CancellationToken));
        var content = _pending.Content;
        // The stream compresses the probe again, so deciding on a sample keeps that double work small.
        if (!Compresses(_probe.AsSpan(0, SampleSize), out _))
        {
            var raw = new RawZstdFrame(content);
            raw.Write(_probe, 0, _probed);
            return raw;
        }

        var compressed = new CompressionStream(content, new CompressionOptions(_context.Options.CompressionLevel));
        compressed.Write(_probe, 0, _probed);
        return compressed;
    }

    /// <summary>Compresses data as one frame with a per-thread reusable context; true when that shrinks it enough to keep.</summary>
    private bool Compresses(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> frame)
    {
        var level = _context.Options.CompressionLevel;
        if (_probeCompressor is not { } cached || cached.Level != level)
        {
            _probeCompressor?.Compressor.Dispose();
            _probeCompressor = cached = (level, new Compressor(new CompressionOptions(level)));
        }

        _frame ??= ArrayPool<byte>.Shared.Rent(Compressor.GetCompressBound(ProbeSize));
        frame = _frame.AsSpan(0, cached.Compressor.Wrap(data, _frame));
        return frame.Length < data.Length * RawAbove;
    }

    /// <summary>A chunk that ended inside the probe is written in one go: its test compression is the object.</summary>
    private void WriteSmallChunk()
    {
        if (Compresses(_probe.AsSpan(0, _probed), out var frame))
        {
            _pending!.Content.Write(frame);
            return;
        }

        using var raw = new RawZstdFrame(_pending!.Content);
        raw.Write(_probe, 0, _probed);
        raw.Finish();
    }

    private void FinishChunk()
    {
        if (_compressor is RawZstdFrame raw)
        {
            raw.Finish();
        }

        _compressor?.Dispose();
        var hash = Convert.ToHexStringLower(_hash!.GetHashAndReset());
        _hash.Dispose();
        long stored = 0;
        // A small chunk the store already holds (a file re-read, another environment's copy) is neither compressed nor written;
        // a large one, streamed to a temp object before its hash was known, is not sent.
        if (!StoreCalls.Wait(_context.Lookups.ExistsAsync(hash, _context.CancellationToken)))
        {
            if (_pending is null)
            {
                _pending = StoreCalls.Wait(_context.Store.BeginPutAsync(_context.CancellationToken));
                WriteSmallChunk();
            }

            var size = StoreCalls.Wait(_context.Store.CommitAsync(_pending, hash, knownMissing: true, _context.CancellationToken));
            // Two files of the same content committed at once by two workers are one new object.
            stored = _context.Lookups.Add(hash) ? size : 0;
        }

        _pending?.Dispose();
        _pending = null;

        _compressor = null;
        _hash = null;
        _context.Counters.AddObjectWritten(hash, stored);
        _chunks.Add(new ChunkRef(hash, _chunkLength));
    }
}
