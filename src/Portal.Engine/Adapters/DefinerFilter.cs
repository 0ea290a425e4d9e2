namespace Portal.Engine.Adapters;

using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Portal.Engine.Store;

/// <summary>
/// Rewrites DEFINER=`user`@`host` to DEFINER=CURRENT_USER in a MySQL dump as it streams to the client, so views,
/// triggers, routines and events restore under the restoring user, who need not hold SUPER/SET USER nor match the
/// user of the environment the snapshot came from. Data lines (INSERT) pass through untouched.
/// </summary>
internal sealed partial class DefinerFilter(Stream inner) : WriteOnlyStream
{
    private static readonly byte[] Insert = "INSERT INTO "u8.ToArray();
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
        inner.Flush();
    }

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
        var line = _line.WrittenSpan;
        if (line.IsEmpty)
        {
            return;
        }

        if (!line.StartsWith(Insert) && line.IndexOf("DEFINER="u8) >= 0)
        {
            var text = Definer().Replace(Encoding.UTF8.GetString(line), "DEFINER=CURRENT_USER");
            inner.Write(Encoding.UTF8.GetBytes(text));
        }
        else
        {
            inner.Write(line);
        }

        _line.ResetWrittenCount();
    }

    [GeneratedRegex("DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`")]
    private static partial Regex Definer();
}
