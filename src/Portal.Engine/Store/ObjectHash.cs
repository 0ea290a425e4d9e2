namespace Portal.Engine.Store;

using System.Buffers;

/// <summary>Hashes come from manifests, which may be tampered with, so they are checked before becoming paths.</summary>
internal static class ObjectHash
{
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    public static bool IsValid(string hash) => hash.Length == 64 && !hash.AsSpan().ContainsAnyExcept(LowerHex);

    /// <summary>An object folder's name: the first two hex digits of the hashes it holds.</summary>
    public static bool IsFolder(string folder) => folder.Length == 2 && !folder.AsSpan().ContainsAnyExcept(LowerHex);

    public static void Validate(string hash)
    {
        if (!IsValid(hash))
        {
            throw new SnapshotCorruptException($"The manifest names an invalid object hash '{hash}'.");
        }
    }
}

/// <summary>Snapshot ids become file names, so only a safe alphabet is accepted.</summary>
internal static class SnapshotIds
{
    private static readonly SearchValues<char> Allowed = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    public static bool IsValid(string snapshotId) =>
        !string.IsNullOrEmpty(snapshotId) && snapshotId.Length <= 128 && !snapshotId.AsSpan().ContainsAnyExcept(Allowed);

    public static string Validate(string snapshotId)
    {
        if (!IsValid(snapshotId))
        {
            throw new SnapshotEngineException($"'{snapshotId}' is not a valid snapshot id (letters, digits, '-' and '_' only).");
        }

        return snapshotId;
    }
}
