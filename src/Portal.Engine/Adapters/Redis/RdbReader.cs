namespace Portal.Engine.Adapters.Redis;

using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

/// <summary>One key of an RDB file, its value already in the form RESTORE takes (the DUMP payload).</summary>
internal readonly record struct RdbKey(int Database, byte[] Name, long ExpiresAtMs, ReadOnlyMemory<byte> Payload);

/// <summary>An RDB file holds something this reader cannot turn into RESTORE payloads (a module type, a newer encoding).</summary>
internal sealed class RdbNotSupportedException(string message) : Exception(message);

/// <summary>
/// Walks an RDB file as it streams in and cuts every key's value out as a DUMP payload: the value's bytes exactly as Redis
/// serialized them, then the RDB version and a CRC-64 (the format of DUMP, which is the RDB value format). Values are
/// delimited, never decoded, so this costs a copy and a checksum; the file's own checksum is verified at its end.
/// </summary>
internal sealed class RdbReader : IDisposable
{
    /// <summary>The newest RDB format this reader knows (Redis 7.4 and 8); value types it cannot delimit are refused one by one.</summary>
    public const int NewestVersion = 12;

    private static readonly Crc64ParameterSet RedisCrc = Crc64ParameterSet.Create(0xad93d23594c935a9UL, 0, 0, reflectValues: true);

    private readonly Stream _input;
    private readonly Func<int, bool> _wanted;
    private readonly Crc64 _fileCrc = new(RedisCrc);
    private readonly Dictionary<string, string> _aux = new(StringComparer.Ordinal);
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
    private byte[] _payload = ArrayPool<byte>.Shared.Rent(1 << 16);
    private int _position;
    private int _end;
    private int _crcFrom;
    private int _payloadLength;
    private bool _recording;
    private int _database;
    private bool _finished;

    /// <param name="input">The RDB stream; read only as far as the file's checksum.</param>
    /// <param name="wanted">Databases whose keys are returned; the others are skipped without copying.</param>
    public RdbReader(Stream input, Func<int, bool> wanted)
    {
        _input = input;
        _wanted = wanted;
        Ensure(9);
        if (!_buffer.AsSpan(0, 5).SequenceEqual("REDIS"u8)
            || !int.TryParse(Encoding.ASCII.GetString(_buffer, 5, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new InvalidDataException("The file does not start like an RDB file.");
        }

        Version = version is >= 1 and <= NewestVersion ? version : throw new RdbNotSupportedException($"RDB format version {version} is newer than this engine knows ({NewestVersion}).");
        _position = 9;
    }

    public int Version { get; }

    /// <summary>Bytes of the file consumed so far, for progress.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The file's auxiliary fields (redis-ver, ctime, …) met so far.</summary>
    public IReadOnlyDictionary<string, string> Aux => _aux;

    /// <summary>The next key of a wanted database, or false once the end of the file and its checksum have been read.</summary>
    /// <remarks>The payload is only valid until the next call.</remarks>
    public bool TryRead(out RdbKey key)
    {
        long expiresAt = -1;
        while (!_finished)
        {
            var opcode = ReadByte();
            switch (opcode)
            {
                case 0xFF:
                    Finish();
                    break;
                case 0xFE:
                    _database = checked((int)ReadLength());
                    break;
                case 0xFB: // RESIZEDB: hash table size hints
                    ReadLength();
                    ReadLength();
                    break;
                case 0xFA:
                    var field = Encoding.UTF8.GetString(ReadString());
                    _aux[field] = Encoding.UTF8.GetString(ReadString());
                    break;
                case 0xFC:
                    expiresAt = ReadInt64();
                    break;
                case 0xFD:
                    expiresAt = ReadUInt32() * 1000L;
                    break;
                case 0xF8: // LRU idle time and LFU frequency: eviction hints RESTORE would only approximate
                    ReadLength();
                    break;
                case 0xF9:
                    ReadByte();
                    break;
                case 0xF5: // A function library: server code, not the environment's keys
                    SkipString();
                    break;
                case >= 0xF0:
                    throw new RdbNotSupportedException($"the RDB file holds opcode 0x{opcode:X2} (module data, slot information or pre-7.0 functions)");
                default:
                    var name = ReadString();
                    var wanted = _wanted(_database);
                    BeginPayload(opcode, wanted);
                    SkipValue(opcode);
                    if (wanted)
                    {
                        key = new RdbKey(_database, name, expiresAt, EndPayload());
                        return true;
                    }

                    _recording = false;
                    expiresAt = -1;
                    break;
            }
        }

        key = default;
        return false;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        ArrayPool<byte>.Shared.Return(_payload);
        _buffer = _payload = [];
    }

    private void SkipValue(byte type)
    {
        switch (type)
        {
            case 0 or 9 or 10 or 11 or 12 or 13 or 16 or 17 or 20: // a string, or a ziplist/listpack/intset/zipmap inside one
                SkipString();
                break;
            case 1 or 2 or 14: // list, set, quicklist of ziplists
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                }

                break;
            case 3: // sorted set with scores as text
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    var length = ReadByte();
                    Skip(length >= 253 ? 0UL : length); // 253-255: NaN and the infinities, no text
                }

                break;
            case 4: // hash table
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    SkipString();
                }

                break;
            case 5: // sorted set with binary scores
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    Skip(8);
                }

                break;
            case 18: // quicklist of listpacks, each with its container kind
                for (var n = ReadLength(); n > 0; n--)
                {
                    ReadLength();
                    SkipString();
                }

                break;
            case 15 or 19 or 21:
                SkipStream(type);
                break;
            default:
                throw new RdbNotSupportedException($"the RDB file holds values of type {type} (a module type or a newer encoding)");
        }
    }

    /// <summary>Listpacks of entries, then the stream's IDs and its consumer groups with their pending entries (rdb.c, rdbLoadObject).</summary>
    private void SkipStream(byte type)
    {
        for (var n = ReadLength(); n > 0; n--)
        {
            SkipString(); // the node's master ID
            SkipString(); // the listpack
        }

        var lengths = type >= 19 ? 8 : 3; // length, last ID; since 7.0 also first ID, max deleted ID, entries added
        for (var i = 0; i < lengths; i++)
        {
            ReadLength();
        }

        for (var groups = ReadLength(); groups > 0; groups--)
        {
            SkipString();
            ReadLength();
            ReadLength();
            if (type >= 19)
            {
                ReadLength(); // entries read
            }

            for (var pending = ReadLength(); pending > 0; pending--)
            {
                Skip(16 + 8); // entry ID, delivery time
                ReadLength(); // delivery count
            }

            for (var consumers = ReadLength(); consumers > 0; consumers--)
            {
                SkipString();
                Skip(type >= 21 ? 16UL : 8UL); // seen time; since 7.2 also active time
                for (var pending = ReadLength(); pending > 0; pending--)
                {
                    Skip(16);
                }
            }
        }
    }

    private ulong ReadLength()
    {
        var (length, encoded) = ReadLengthOrEncoding();
        return encoded ? throw new InvalidDataException("The RDB file has a string encoding where a length belongs.") : length;
    }

    private (ulong Length, bool Encoded) ReadLengthOrEncoding()
    {
        var first = ReadByte();
        switch (first >> 6)
        {
            case 0:
                return ((ulong)(first & 0x3F), false);
            case 1:
                return ((ulong)(((first & 0x3F) << 8) | ReadByte()), false);
            case 3:
                return ((ulong)(first & 0x3F), true);
        }

        Ensure(first == 0x80 ? 4 : 8);
        var span = _buffer.AsSpan(_position);
        ulong value = first switch
        {
            0x80 => BinaryPrimitives.ReadUInt32BigEndian(span),
            0x81 => BinaryPrimitives.ReadUInt64BigEndian(span),
            _ => throw new InvalidDataException($"The RDB file has an unknown length prefix 0x{first:X2}."),
        };
        Consume(first == 0x80 ? 4 : 8);
        return (value, false);
    }

    private void SkipString()
    {
        var (length, encoded) = ReadLengthOrEncoding();
        if (!encoded)
        {
            Skip(length);
            return;
        }

        switch (length)
        {
            case 0 or 1 or 2:
                Skip(1UL << (int)length); // an integer of 1, 2 or 4 bytes
                break;
            case 3:
                var compressed = ReadLength();
                ReadLength();
                Skip(compressed);
                break;
            default:
                throw new InvalidDataException($"The RDB file has an unknown string encoding {length}.");
        }
    }

    /// <summary>A string decoded: key names and auxiliary fields may be stored as integers or LZF-compressed.</summary>
    private byte[] ReadString()
    {
        var (length, encoded) = ReadLengthOrEncoding();
        if (!encoded)
        {
            return ReadBytes(checked((int)length));
        }

        switch (length)
        {
            case 0:
                return Encoding.ASCII.GetBytes(((sbyte)ReadByte()).ToString(CultureInfo.InvariantCulture));
            case 1:
                return Encoding.ASCII.GetBytes(BinaryPrimitives.ReadInt16LittleEndian(ReadBytes(2)).ToString(CultureInfo.InvariantCulture));
            case 2:
                return Encoding.ASCII.GetBytes(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)).ToString(CultureInfo.InvariantCulture));
            case 3:
                var compressedLength = checked((int)ReadLength());
                var decompressedLength = checked((int)ReadLength());
                return Lzf.Decompress(ReadBytes(compressedLength), decompressedLength);
            default:
                throw new InvalidDataException($"The RDB file has an unknown string encoding {length}.");
        }
    }

    private byte ReadByte()
    {
        Ensure(1);
        var value = _buffer[_position];
        Consume(1);
        return value;
    }

    private long ReadInt64()
    {
        Ensure(8);
        var value = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(_position));
        Consume(8);
        return value;
    }

    private uint ReadUInt32()
    {
        Ensure(4);
        var value = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_position));
        Consume(4);
        return value;
    }

    private byte[] ReadBytes(int count)
    {
        var bytes = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            Ensure(1);
            var take = Math.Min(count - copied, _end - _position);
            _buffer.AsSpan(_position, take).CopyTo(bytes.AsSpan(copied));
            Consume(take);
            copied += take;
        }

        return bytes;
    }

    private void Skip(ulong count)
    {
        while (count > 0)
        {
            Ensure(1);
            var take = (int)Math.Min(count, (ulong)(_end - _position));
            Consume(take);
            count -= (ulong)take;
        }
    }

    /// <summary>Moves past bytes already in the buffer, copying them into the payload when a value is being cut out.</summary>
    private void Consume(int count)
    {
        if (_recording)
        {
            Reserve(count);
            _buffer.AsSpan(_position, count).CopyTo(_payload.AsSpan(_payloadLength));
            _payloadLength += count;
        }

        _position += count;
    }

    private void BeginPayload(byte type, bool record)
    {
        _recording = record;
        _payloadLength = 0;
        if (record)
        {
            _payload[_payloadLength++] = type;
        }
    }

    /// <summary>The DUMP footer: the RDB version, then the CRC-64 of everything before it, both little-endian.</summary>
    private ReadOnlyMemory<byte> EndPayload()
    {
        _recording = false;
        Reserve(10);
        BinaryPrimitives.WriteUInt16LittleEndian(_payload.AsSpan(_payloadLength), (ushort)Version);
        _payloadLength += 2;
        var crc = Crc64.HashToUInt64(RedisCrc, _payload.AsSpan(0, _payloadLength));
        BinaryPrimitives.WriteUInt64LittleEndian(_payload.AsSpan(_payloadLength), crc);
        _payloadLength += 8;
        return _payload.AsMemory(0, _payloadLength);
    }

    private void Reserve(int count)
    {
        if (_payloadLength + count <= _payload.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(checked(Math.Max(_payload.Length * 2, _payloadLength + count)));
        _payload.AsSpan(0, _payloadLength).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_payload);
        _payload = bigger;
    }

    /// <summary>The file's CRC-64 covers everything up to and including the EOF opcode; 0 means the server was told not to write one.</summary>
    private void Finish()
    {
        _fileCrc.Append(_buffer.AsSpan(_crcFrom, _position - _crcFrom));
        _crcFrom = _position;
        if (Version >= 5)
        {
            Ensure(8);
            var expected = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position));
            _position += 8;
            _crcFrom = _position;
            if (expected != 0 && expected != _fileCrc.GetCurrentHashAsUInt64())
            {
                throw new InvalidDataException("The RDB file's checksum does not match its content.");
            }
        }

        _finished = true;
    }

    /// <summary>Makes count bytes available at the read position, reading more of the input (and checksumming what was consumed).</summary>
    private void Ensure(int count)
    {
        if (_end - _position >= count)
        {
            return;
        }

        _fileCrc.Append(_buffer.AsSpan(_crcFrom, _position - _crcFrom));
        var left = _end - _position;
        _buffer.AsSpan(_position, left).CopyTo(_buffer);
        _position = _crcFrom = 0;
        _end = left;
        while (_end < count)
        {
            var read = _input.Read(_buffer.AsSpan(_end));
            if (read == 0)
            {
                throw new InvalidDataException("The RDB file ends before its end marker.");
            }

            _end += read;
            BytesRead += read;
        }
    }
}
