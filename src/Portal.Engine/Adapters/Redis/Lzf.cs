namespace Portal.Engine.Adapters.Redis;

/// <summary>
/// LZF decompression (liblzf's lzf_d.c format), which Redis uses for strings in RDB files. Only key names need it:
/// values travel on as Redis wrote them.
/// </summary>
internal static class Lzf
{
    public static byte[] Decompress(ReadOnlySpan<byte> input, int length)
    {
        var output = new byte[length];
        var inPos = 0;
        var outPos = 0;
        while (inPos < input.Length)
        {
            int control = input[inPos++];
            if (control < 32)
            {
                // A literal run of control + 1 bytes.
                var run = control + 1;
                if (inPos + run > input.Length || outPos + run > length)
                {
                    throw Corrupt();
                }

                input.Slice(inPos, run).CopyTo(output.AsSpan(outPos));
                inPos += run;
                outPos += run;
                continue;
            }

            // A back reference: length in the top 3 bits (7 means one more length byte), offset in 13 bits.
            var count = control >> 5;
            if (count == 7)
            {
                count += ReadAt(input, inPos++);
            }

            var from = outPos - ((control & 0x1F) << 8) - 1 - ReadAt(input, inPos++);
            count += 2;
            if (from < 0 || outPos + count > length)
            {
                throw Corrupt();
            }

            // Byte by byte: the reference may overlap what it is producing.
            for (var i = 0; i < count; i++)
            {
                output[outPos++] = output[from + i];
            }
        }

        return outPos == length ? output : throw Corrupt();
    }

    private static byte ReadAt(ReadOnlySpan<byte> input, int position) => position < input.Length ? input[position] : throw Corrupt();

    private static InvalidDataException Corrupt() => new("An LZF-compressed string in the RDB file is corrupt.");
}
