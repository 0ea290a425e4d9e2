namespace Portal.Engine.Tests.Adapters;

using System.Buffers.Binary;
using System.IO.Hashing;
using Portal.Engine.Adapters;

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
