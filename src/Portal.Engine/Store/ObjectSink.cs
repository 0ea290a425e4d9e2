namespace Portal.Engine.Store;

using System.Security.Cryptography;
using Portal.Engine.Manifests;
using ZstdSharp;

/// <summary>
/// A write-only stream that cuts what is written into chunks, hashing and compressing each on the fly,
/// so a dump of any size reaches the store without being held in memory or uncompressed on disk.
/// </summary>
internal sealed class ObjectSink : Stream
{
    private readonly EngineContext _context;
    private readonly List<ChunkRef> _chunks = [];
    private IPendingObject? _pending;
    private CompressionStream? _compressor;
    private IncrementalHash? _hash;
    private long _chunkLength;

    public ObjectSink(EngineContext context)
    {
        _context = context;
    }

    public long TotalLength { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => TotalLength;

    public override long Position
    {
        get => TotalLength;
        set => throw new NotSupportedException();
    }

    /// <summary>Seals the last chunk; an empty stream yields no chunks.</summary>
    public IReadOnlyList<ChunkRef> Complete()
    {
        if (_pending is not null)
        {
            FinishChunk();
        }

        return _chunks;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            if (_pending is null)
            {
                _pending = _context.Store.BeginPut();
                _compressor = new CompressionStream(_pending.Content, _context.Options.CompressionLevel, leaveOpen: true);
                _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                _chunkLength = 0;
            }

            var take = (int)Math.Min(buffer.Length, _context.Options.ChunkSizeBytes - _chunkLength);
            var part = buffer[..take];
            _hash!.AppendData(part);
            _compressor!.Write(part);
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

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _compressor?.Dispose();
            _hash?.Dispose();
            _pending?.Dispose();
            _pending = null;
        }

        base.Dispose(disposing);
    }

    private void FinishChunk()
    {
        _compressor!.Dispose();
        var hash = Convert.ToHexStringLower(_hash!.GetHashAndReset());
        _hash.Dispose();
        var stored = _pending!.Commit(hash);
        _pending.Dispose();
        _pending = null;
        _compressor = null;
        _hash = null;
        _context.Counters.AddObjectWritten(stored);
        _chunks.Add(new ChunkRef(hash, _chunkLength));
    }
}
