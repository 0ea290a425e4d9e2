namespace Portal.Engine.Manifests;

using System.Text.Json;
using System.Text.Json.Serialization;

/// <summary>A snapshot: written last and atomically, so its presence means every object it names was stored.</summary>
internal sealed record Manifest(
    int Version,
    string SnapshotId,
    string EnvironmentKey,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ManifestService> Services)
{
    public const int CurrentVersion = 1;

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
                    yield return (chunk, $"{service.Name}:{entry.Path}");
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

internal enum EntryType
{
    Directory,
    File,
    Symlink,
}

/// <summary>Path is relative to the mount with '/' separators; Device/Inode/Size/MTimeNs decide reuse by the next capture.</summary>
internal sealed record MountEntry(
    string Path,
    EntryType Type,
    int Mode,
    uint Uid,
    uint Gid,
    long MTimeNs,
    long Size,
    long Device,
    long Inode,
    string? LinkTarget,
    IReadOnlyList<ChunkRef>? Chunks);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(Manifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;
