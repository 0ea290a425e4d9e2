namespace Portal.Engine.Store;

using System.Buffers;
using System.Buffers.Binary;

/// <summary>
/// Writes a standard zstd frame made only of raw (stored) blocks: incompressible content such as JPEG or MP4 costs a copy
/// instead of a failed compression attempt, and any zstd decoder (ours, `zstd -d`) still reads the object.
/// </summary>
internal sealed class RawZstdFrame : WriteOnlyStream
{
    /// <summary>RFC 8878: a block holds at most 128 KiB, and never more than the window, which the header sets to the same.</summary>
    private const int BlockSize = 128 * 1024;

    // Magic number, then a frame header descriptor with no content size, no checksum, no dictionary and a window descriptor
    // (exponent 7, mantissa 0: a 2^17 = 128 KiB window).
    private static readonly byte[] Header = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38];

    private readonly Stream _output;
    private readonly byte[] _block = ArrayPool<byte>.Shared.Rent(BlockSize + 3);
    private int _filled;
    private bool _finished;
    private bool _returned;

    public RawZstdFrame(Stream output)
    {
        _output = output;
        _output.Write(Header);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            // A full block is only emitted when more data follows, so the last block can carry the "last" flag.
            if (_filled == BlockSize)
            {
                EmitBlock(last: false);
            }

            var take = Math.Min(buffer.Length, BlockSize - _filled);
            buffer[..take].CopyTo(_block.AsSpan(3 + _filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    /// <summary>Writes the last block; an empty frame is one empty last block.</summary>
    public void Finish()
    {
        if (!_finished)
        {
            EmitBlock(last: true);
            _finished = true;
        }
    }

    public override void Flush() => _output.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_returned)
        {
            ArrayPool<byte>.Shared.Return(_block);
            _returned = true;
        }

        base.Dispose(disposing);
    }

    private void EmitBlock(bool last)
    {
        // Block header, 3 bytes little-endian: bit 0 last block, bits 1-2 type (0 = raw), bits 3-23 size.
        var header = (uint)(_filled << 3) | (last ? 1u : 0u);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, header);
        bytes[..3].CopyTo(_block);
        _output.Write(_block, 0, 3 + _filled);
        _filled = 0;
    }
}
