namespace Portal.Engine.Adapters.Mounts;

/// <summary>Sentences for the failures a user can fix: a path Portal's user may not touch, a disk too full for the restore.</summary>
internal static class MountErrors
{
    /// <summary>Who Portal runs as, the way an administrator grants it access.</summary>
    public static string User => $"'{Environment.UserName}' (uid {Posix.EffectiveUserId})";

    public static SnapshotEngineException Denied(string service, string path, string doing, PosixException cause) =>
        new($"Mount '{service}': permission denied {doing} {path} ({cause.Message}). Portal runs as user {User}; "
            + "give that user access to it (or run Portal as a user who has it), then try again.", cause);

    /// <summary>"1.2 GB": what a user compares with df.</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1_000_000_000 => $"{bytes / 1e9:0.0} GB",
        >= 1_000_000 => $"{bytes / 1e6:0.0} MB",
        _ => $"{Math.Max(1, bytes / 1000)} kB",
    };
}
