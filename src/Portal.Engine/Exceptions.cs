namespace Portal.Engine;

/// <summary>A failure whose message is meant for the user who started the capture or restore.</summary>
public class SnapshotEngineException : Exception
{
    public SnapshotEngineException()
    {
    }

    public SnapshotEngineException(string message)
        : base(message)
    {
    }

    public SnapshotEngineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An object of a snapshot is missing or its content no longer matches its hash.</summary>
public sealed class SnapshotCorruptException : SnapshotEngineException
{
    public SnapshotCorruptException()
    {
    }

    public SnapshotCorruptException(string message)
        : base(message)
    {
    }

    public SnapshotCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SnapshotCorruptException(string objectHash, string owner, string problem, Exception? innerException = null)
        : base($"Snapshot object {objectHash} ({owner}) is {problem}.", innerException!)
    {
        ObjectHash = objectHash;
        Owner = owner;
    }

    public string? ObjectHash { get; }

    /// <summary>The service and path the object belongs to, e.g. "media:images/a.png".</summary>
    public string? Owner { get; }
}

/// <summary>A manifest names a path that would land outside the mount it restores.</summary>
public sealed class UnsafeManifestPathException : SnapshotEngineException
{
    public UnsafeManifestPathException()
    {
    }

    public UnsafeManifestPathException(string message)
        : base(message)
    {
    }

    public UnsafeManifestPathException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
