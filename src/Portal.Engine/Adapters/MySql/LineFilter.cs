namespace Portal.Engine.Adapters.MySql;

using System.Buffers;
using Portal.Engine.Store;

/// <summary>A write-only stream that hands what is written to it on one whole line (newline included) at a time, as SQL dumps are filtered.</summary>
internal abstract class LineFilter : WriteOnlyStream
{
    private readonly ArrayBufferWriter<byte> _line = new(1 << 16);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var newline = buffer.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _line.Write(buffer);
                return;
            }

            _line.Write(buffer[..(newline + 1)]);
            FlushLine();
            buffer = buffer[(newline + 1)..];
        }
    }

    public override void Flush()
    {
        FlushLine();
        FlushOutput();
    }

    /// <summary>One line, its newline included (none on a last line without one).</summary>
    protected abstract void WriteLine(ReadOnlySpan<byte> line);

    /// <summary>Flushes the streams the lines were written to.</summary>
    protected abstract void FlushOutput();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            FlushLine();
        }

        base.Dispose(disposing);
    }

    private void FlushLine()
    {
        if (_line.WrittenCount > 0)
        {
            WriteLine(_line.WrittenSpan);
            _line.ResetWrittenCount();
        }
    }
}
