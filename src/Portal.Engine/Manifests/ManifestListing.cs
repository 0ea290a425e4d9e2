namespace Portal.Engine.Manifests;

using System.Text.Json;
using Portal.Engine.Store;

/// <summary>Lists a store's manifests from their headers alone, so a store of many large manifests is read in a few bytes each.</summary>
internal static class ManifestListing
{
    /// <summary>Far more than a header with its label takes (a few hundred bytes); a header longer than this is reported, not guessed at.</summary>
    internal const int HeaderBytes = 64 * 1024;

    public static async Task<IReadOnlyList<StoredSnapshot>> ListAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        var list = new List<StoredSnapshot>();
        foreach (var id in await store.ListManifestsAsync(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await ReadAsync(store, id, cancellationToken) is { } stored)
            {
                list.Add(stored);
            }
        }

        return list;
    }

    /// <summary>Null when the manifest went (deleted while listing).</summary>
    private static async Task<StoredSnapshot?> ReadAsync(IObjectStore store, string id, CancellationToken cancellationToken)
    {
        byte[]? start;
        try
        {
            start = await store.ReadManifestStartAsync(id, HeaderBytes, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SnapshotEngineException)
        {
            return new StoredSnapshot(id, null, null, $"its manifest cannot be read: {ex.Message}");
        }

        if (start is null)
        {
            return null;
        }

        return ReadHeader(start, id);
    }

    /// <summary>The header of a manifest from its first bytes: version, id, start time and label, up to "services".</summary>
    internal static StoredSnapshot ReadHeader(ReadOnlySpan<byte> start, string id)
    {
        var reader = new Utf8JsonReader(start, isFinalBlock: false, state: default);
        int? version = null;
        string? snapshotId = null;
        DateTimeOffset? created = null;
        SnapshotLabel? label = null;
        var reachedServices = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Damaged(id, "it does not start as a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("services"u8))
                {
                    reachedServices = true;
                    break;
                }

                var name = reader.GetString();
                if (!reader.Read())
                {
                    break;
                }

                switch (name)
                {
                    case "version" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v):
                        version = v;
                        break;
                    case "snapshotId" when reader.TokenType == JsonTokenType.String:
                        snapshotId = reader.GetString();
                        break;
                    case "createdAt" when reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at):
                        created = at;
                        break;
                    case "label" when reader.TokenType == JsonTokenType.StartObject:
                        label = JsonSerializer.Deserialize(ref reader, ManifestJson.Default.SnapshotLabel);
                        break;
                    default:
                        // A field this version does not know: skipped whole (false when it runs past the bytes read).
                        if (!reader.TrySkip())
                        {
                            return Damaged(id, $"its header is longer than {HeaderBytes} bytes");
                        }

                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            return Damaged(id, $"its header is not valid JSON ({ex.Message})");
        }

        if (!reachedServices)
        {
            return Damaged(id, "its header ends before its list of services");
        }

        if (version != Manifest.CurrentVersion)
        {
            return Damaged(id, $"it is of an unknown version ({version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
        }

        if (snapshotId != id)
        {
            return Damaged(id, $"it names another snapshot ('{snapshotId}')");
        }

        return created is { } when ? new StoredSnapshot(id, when, label) : Damaged(id, "it has no start time");
    }

    private static StoredSnapshot Damaged(string id, string why) => new(id, null, null, $"the manifest is damaged or not Portal's: {why}");
}
