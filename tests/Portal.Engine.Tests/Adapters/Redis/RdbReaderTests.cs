namespace Portal.Engine.Tests.Adapters.Redis;

using System.Buffers.Binary;
using System.IO.Hashing;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.Redis;

/// <summary>The RDB reader on files built byte by byte: what real servers write is covered against Redis itself.</summary>
public sealed class RdbReaderTests
{
    private static readonly Crc64ParameterSet RedisCrc = Crc64ParameterSet.Create(0xad93d23594c935a9UL, 0, 0, reflectValues: true);

    [Fact]
    public void AStringKeyBecomesAPayloadWithVersionAndChecksum()
    {
        using var reader = new RdbReader(new MemoryStream(File([0xFE, 3, 0x00, 1, (byte)'k', 1, (byte)'v'])), _ => true);

        Assert.True(reader.TryRead(out var key));
        Assert.Equal(3, key.Database);
        Assert.Equal("k"u8.ToArray(), key.Name);
        Assert.Equal(-1, key.ExpiresAtMs);
        byte[] body = [0x00, 1, (byte)'v', 10, 0];
        Assert.Equal([.. body, .. Le(Crc64.HashToUInt64(RedisCrc, body))], key.Payload.ToArray());
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void AnExpiryInMillisecondsBelongsToTheNextKey()
    {
        using var reader = new RdbReader(new MemoryStream(File([0xFC, .. Le(1_700_000_000_123), 0x00, 1, (byte)'a', 1, (byte)'1', 0x00, 1, (byte)'b', 1, (byte)'2'])), _ => true);

        Assert.True(reader.TryRead(out var first));
        Assert.Equal(1_700_000_000_123, first.ExpiresAtMs);
        Assert.True(reader.TryRead(out var second));
        Assert.Equal(-1, second.ExpiresAtMs);
    }

    [Fact]
    public void KeysOfOtherDatabasesAreSkipped()
    {
        using var reader = new RdbReader(new MemoryStream(File([0xFE, 1, 0x00, 1, (byte)'a', 1, (byte)'1', 0xFE, 2, 0x00, 1, (byte)'b', 1, (byte)'2'])), db => db == 2);

        Assert.True(reader.TryRead(out var key));
        Assert.Equal("b"u8.ToArray(), key.Name);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void AModuleValueIsNotSupported()
    {
        using var reader = new RdbReader(new MemoryStream(File([0x07, 1, (byte)'m', 0x00])), _ => true);

        var error = Assert.Throws<RdbNotSupportedException>(() => reader.TryRead(out _));
        Assert.Contains("type 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileWhoseChecksumDoesNotMatchIsRefused()
    {
        var file = File([0x00, 1, (byte)'k', 1, (byte)'v']);
        file[^1] ^= 0x01;
        using var reader = new RdbReader(new MemoryStream(file), _ => true);

        Assert.True(reader.TryRead(out _));
        Assert.Throws<InvalidDataException>(() => reader.TryRead(out _));
    }

    [Fact]
    public void AFileCutShortIsRefused()
    {
        var file = File([0x00, 1, (byte)'k', 3, (byte)'v', (byte)'v', (byte)'v']);
        using var reader = new RdbReader(new MemoryStream(file[..^12]), _ => true);

        Assert.Throws<InvalidDataException>(() => reader.TryRead(out _));
    }

    [Fact]
    public void ANewerFormatIsNotSupported()
    {
        Assert.Throws<RdbNotSupportedException>(() => new RdbReader(new MemoryStream("REDIS0099"u8.ToArray()), _ => true));
    }

    /// <summary>Value layouts of every RDB type the reader delimits, including those Redis 7.0 (the test server) no longer writes.</summary>
    public static TheoryData<byte, byte[]> Values
    {
        get
        {
            byte[] id = [.. new byte[16]];
            byte[] time = [.. new byte[8]];
            byte[] Stream(byte type) =>
            [
                1, 16, .. id, 2, (byte)'l', (byte)'p', // one listpack node: master ID, listpack
                .. Enumerable.Repeat((byte)1, type >= 19 ? 8 : 3), // length, last ID (+ first ID, max deleted ID, entries added)
                1, 1, (byte)'g', 1, 1, .. type >= 19 ? new byte[] { 1 } : [], // a group: name, last ID (+ entries read)
                1, .. id, .. time, 1, // one pending entry: ID, delivery time, count
                1, 1, (byte)'c', .. time, .. type >= 21 ? time : [], 1, .. id, // one consumer: name, seen (+ active) time, its pending ID
            ];

            return new TheoryData<byte, byte[]>
            {
                { 0, [0xC0, 42] }, // an integer-encoded string
                { 0, [0x80, 0, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c'] }, // a 32-bit length
                { 0, [0x40, 3, (byte)'x', (byte)'y', (byte)'z'] }, // a 14-bit length
                { 0, [0xC3, 2, 1, 0, (byte)'a'] }, // LZF: compressed and original lengths, then the bytes
                { 1, [2, 1, (byte)'a', 0xC1, 1, 0] },
                { 2, [1, 1, (byte)'m'] },
                { 3, [3, 1, (byte)'a', 3, (byte)'1', (byte)'.', (byte)'5', 1, (byte)'b', 253, 1, (byte)'c', 255] },
                { 4, [1, 1, (byte)'f', 1, (byte)'v'] },
                { 5, [1, 1, (byte)'a', .. BitConverter.GetBytes(1.5)] },
                { 9, [2, (byte)'z', (byte)'m'] },
                { 10, [2, (byte)'z', (byte)'l'] },
                { 11, [2, (byte)'i', (byte)'s'] },
                { 12, [2, (byte)'z', (byte)'z'] },
                { 13, [2, (byte)'z', (byte)'h'] },
                { 14, [2, 1, (byte)'a', 1, (byte)'b'] },
                { 15, Stream(15) },
                { 16, [2, (byte)'l', (byte)'h'] },
                { 17, [2, (byte)'l', (byte)'z'] },
                { 18, [2, 2, 1, (byte)'a', 1, 1, (byte)'b'] },
                { 19, Stream(19) },
                { 20, [2, (byte)'l', (byte)'s'] },
                { 21, Stream(21) },
            };
        }
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void EachValueIsCutOutExactlyWhereItEnds(byte type, byte[] value)
    {
        // A key after it: one byte too many or too few and that key would be misread.
        using var reader = new RdbReader(new MemoryStream(File([type, 1, (byte)'k', .. value, 0x00, 1, (byte)'z', 1, (byte)'v'])), _ => true);

        Assert.True(reader.TryRead(out var key));
        Assert.Equal([type, .. value], key.Payload[..^10].ToArray());
        Assert.True(reader.TryRead(out var next));
        Assert.Equal("z"u8.ToArray(), next.Name);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void KeyNamesAreDecodedFromIntegerAndLzfForms()
    {
        using var reader = new RdbReader(new MemoryStream(File([0x00, 0xC1, 0x39, 0x30, 1, (byte)'1', 0x00, 0xC3, 5, 6, 1, (byte)'a', (byte)'b', 2 << 5, 1, 1, (byte)'2'])), _ => true);

        Assert.True(reader.TryRead(out var number));
        Assert.Equal("12345"u8.ToArray(), number.Name);
        Assert.True(reader.TryRead(out var compressed));
        Assert.Equal("ababab"u8.ToArray(), compressed.Name);
    }

    [Fact]
    public void LzfBackReferencesMayOverlapWhatTheyProduce()
    {
        // "abc" as a literal, then 3 bytes from 3 back, then 7 bytes from 1 back (each copy reads what it just wrote).
        byte[] compressed = [2, (byte)'a', (byte)'b', (byte)'c', 1 << 5, 2, 5 << 5, 0];

        Assert.Equal("abcabcccccccc"u8.ToArray(), Lzf.Decompress(compressed, 13));
    }

    /// <summary>A version 10 file around the given records, ended by EOF and its checksum.</summary>
    private static byte[] File(byte[] records)
    {
        byte[] body = [.. "REDIS0010"u8, .. records, 0xFF];
        return [.. body, .. Le(Crc64.HashToUInt64(RedisCrc, body))];
    }

    private static byte[] Le(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] Le(long value) => Le((ulong)value);
}
