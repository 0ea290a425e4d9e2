namespace Portal.Engine.Manifests;

using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Contracts;

/// <summary>A snapshot: written last and atomically, so its presence means every object it names was stored.</summary>
internal sealed record Manifest(
    int Version,
    string SnapshotId,
    string EnvironmentKey,
    DateTimeOffset CreatedAt,
    [property: JsonPropertyOrder(1)] IReadOnlyList<ManifestService> Services)
{
    public const int CurrentVersion = 1;

    /// <summary>Optional and written before "services" (which is ordered last), so a header read finds it; absent from older manifests.</summary>
    public SnapshotLabel? Label { get; init; }

    /// <summary>Every object the snapshot needs, with the service/path it belongs to for error messages.</summary>
    public IEnumerable<(ChunkRef Chunk, string Owner)> Objects()
    {
        foreach (var service in Services)
        {
            foreach (var chunk in service.Chunks ?? [])
            {
                yield return (chunk, service.Name);
            }

            foreach (var entry in service.Mount?.Entries ?? [])
            {
                foreach (var chunk in entry.Chunks ?? [])
                {
                    yield return (chunk, $"{service.Name}:{entry.DisplayPath()}");
                }
            }
        }
    }

    /// <summary>
    /// The environment and start time from the start of a manifest, without parsing its file list (which can be megabytes):
    /// the writer puts them before "services". Null when the start does not hold them.
    /// </summary>
    public static (string EnvironmentKey, DateTimeOffset CreatedAt)? ReadHeader(ReadOnlySpan<byte> start)
    {
        var reader = new Utf8JsonReader(start, isFinalBlock: false, state: default);
        string? environment = null;
        DateTimeOffset? created = null;
        try
        {
            while (reader.Read() && reader.CurrentDepth <= 1 && (environment is null || created is null))
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueTextEquals("services"u8))
                {
                    break;
                }

                var isEnvironment = reader.ValueTextEquals("environmentKey"u8);
                var isCreated = reader.ValueTextEquals("createdAt"u8);
                if (!reader.Read())
                {
                    break;
                }

                if (isEnvironment && reader.TokenType == JsonTokenType.String)
                {
                    environment = reader.GetString();
                }
                else if (isCreated && reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at))
                {
                    created = at;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return environment is not null && created is { } when ? (environment, when) : null;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestJson.Default.Manifest);

    public static Manifest FromJson(ReadOnlySpan<byte> json, string snapshotId)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(json, ManifestJson.Default.Manifest);
            if (manifest is null || manifest.Version != CurrentVersion || manifest.Services is null)
            {
                throw new SnapshotCorruptException($"The manifest of snapshot {snapshotId} is unreadable or of an unknown version.");
            }

            return manifest;
        }
        catch (JsonException ex)
        {
            throw new SnapshotCorruptException($"The manifest of snapshot {snapshotId} is not valid JSON: {ex.Message}", ex);
        }
    }
}

/// <summary>One service's part of a snapshot: dump chunks for databases, a file tree for mounts.</summary>
internal sealed record ManifestService(
    string Name,
    ServiceKind Kind,
    long Size,
    IReadOnlyList<ChunkRef>? Chunks,
    MountTree? Mount,
    IReadOnlyDictionary<string, string>? Properties = null);

/// <summary>Hash is the SHA-256 of the uncompressed content; Size its uncompressed length.</summary>
internal sealed record ChunkRef(string Hash, long Size);

internal sealed record MountTree(MountEntry Root, IReadOnlyList<MountEntry> Entries);

/// <summary>Entry kinds; the last two were added later, so a manifest without them reads as before.</summary>
internal enum EntryType
{
    Directory,
    File,
    Symlink,

    /// <summary>Another name of an earlier File entry (same inode); its LinkTarget is that entry's path, its content stored once.</summary>
    HardLink,

    /// <summary>A named pipe, recreated empty with mknod.</summary>
    Fifo,
}

/// <summary>
/// Path is relative to the mount with '/' separators; Device/Inode/Size/MTime decide reuse by the next capture.
/// Every field after Chunks is optional and absent from manifests written before it existed.
/// </summary>
/// <param name="MTimeNs">Nanoseconds since 1970, when that fits in 64 bits (1677 to 2262); else MTimeSeconds/MTimeNanoseconds.</param>
/// <param name="PathBytes">The path's bytes when they are not valid UTF-8; Path then holds an escaped form for people.</param>
/// <param name="LinkTargetBytes">A symlink's or hard link's target bytes when they are not valid UTF-8.</param>
/// <param name="DataRanges">A sparse file's data, as (offset, length) ranges whose content the chunks hold back to back; the rest are holes.</param>
/// <param name="Xattrs">Extended attributes, POSIX ACLs included (system.posix_acl_access / _default).</param>
/// <param name="CTimeNs">A file's inode change time: while it stays the same, so do its attributes, which the next capture then reuses unread.</param>
internal sealed record MountEntry(
    string Path,
    EntryType Type,
    int Mode,
    uint Uid,
    uint Gid,
    long? MTimeNs,
    long Size,
    long Device,
    long Inode,
    string? LinkTarget,
    IReadOnlyList<ChunkRef>? Chunks,
    byte[]? PathBytes = null,
    byte[]? LinkTargetBytes = null,
    long? MTimeSeconds = null,
    long? MTimeNanoseconds = null,
    IReadOnlyList<DataRange>? DataRanges = null,
    IReadOnlyList<ExtendedAttribute>? Xattrs = null,
    long? CTimeNs = null)
{
    public byte[] RawPath() => FileNames.FromManifest(Path, PathBytes);

    public byte[]? RawLinkTarget() => LinkTarget is null ? null : FileNames.FromManifest(LinkTarget, LinkTargetBytes);

    /// <summary>The path with odd bytes and control characters escaped, for messages.</summary>
    public string DisplayPath() => FileNames.Display(RawPath());

    /// <summary>Null when neither form is present or the nanoseconds are out of range (a tampered or damaged manifest).</summary>
    public FileTime? MTime()
    {
        var time = MTimeSeconds is { } seconds ? new FileTime(seconds, MTimeNanoseconds ?? -1)
            : MTimeNs is { } ns ? FileTime.FromNanoseconds(ns) : new FileTime(0, -1);
        return time.IsValid ? time : null;
    }

    /// <summary>Bytes of content the chunks hold (data ranges only, for a sparse file).</summary>
    public long DataSize() => Chunks?.Sum(c => c.Size) ?? 0;

    /// <summary>The manifest form of a name and a time: text or bytes, one number or two.</summary>
    public static MountEntry Create(byte[] path, EntryType type, PosixStat stat, byte[]? linkTarget, IReadOnlyList<ChunkRef>? chunks)
    {
        var (text, bytes) = FileNames.ToManifest(path);
        var (target, targetBytes) = linkTarget is null ? (null, null) : FileNames.ToManifest(linkTarget);
        var ns = stat.MTime.TotalNanoseconds();
        return new MountEntry(text, type, stat.Permissions, stat.Uid, stat.Gid, ns, type == EntryType.File ? stat.Size : 0, stat.Device, stat.Inode,
            target, chunks, bytes, targetBytes, ns is null ? stat.MTime.Seconds : null, ns is null ? stat.MTime.Nanoseconds : null,
            CTimeNs: type == EntryType.File ? stat.CTime.TotalNanoseconds() : null);
    }
}

internal sealed record DataRange(long Offset, long Length);

/// <param name="NameBytes">The name's bytes when they are not valid UTF-8.</param>
internal sealed record ExtendedAttribute(string Name, byte[] Value, byte[]? NameBytes = null)
{
    public byte[] RawName() => FileNames.FromManifest(Name, NameBytes);

    public static ExtendedAttribute Create(byte[] name, byte[] value)
    {
        var (text, bytes) = FileNames.ToManifest(name);
        return new ExtendedAttribute(text, value, bytes);
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(SnapshotLabel))]
internal sealed partial class ManifestJson : JsonSerializerContext;
