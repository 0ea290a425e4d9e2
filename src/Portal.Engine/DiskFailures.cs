namespace Portal.Engine;

/// <summary>Recognises a full disk behind an IOException and words it for the user, naming the disk and what is needed.</summary>
public static class DiskFailures
{
    private const int ENoSpc = 28;
    private const int EDQuot = 122;

    public static bool IsDiskFull(IOException exception) =>
        (exception.HResult & 0xFFFF) is ENoSpc or EDQuot
        || exception.Message.Contains("No space left on device", StringComparison.Ordinal)
        || exception.Message.Contains("Disk quota exceeded", StringComparison.Ordinal);

    /// <summary>Free bytes on the filesystem holding path (or its nearest existing parent); null when it cannot be told.</summary>
    public static long? FreeBytes(string path)
    {
        try
        {
            var existing = Path.GetFullPath(path);
            while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
            {
                existing = parent;
            }

            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The snapshot store ran out of space during a capture; nothing of the environment was changed.</summary>
    public static SnapshotEngineException StoreFull(string storePath, long remainingBytes, IOException cause)
    {
        var free = FreeBytes(storePath) is { } bytes ? $"{ByteSize.Format(bytes)} free" : "no space left";
        return new SnapshotEngineException(
            $"The snapshot store's disk ({storePath}) is full ({free}): this snapshot needed about {ByteSize.Format(Math.Max(remainingBytes, 0))} more "
            + "before compression. Free space there, or set Engine:StorePath to a larger disk. Nothing of the environment was changed.", cause);
    }
}
