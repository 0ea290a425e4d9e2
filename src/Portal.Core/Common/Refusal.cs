namespace Portal.Core.Common;

/// <summary>Why the application layer refused a request; the UI, API and CLI map the code, show the message.</summary>
public enum RefusalCode
{
    ProjectNotFound,
    EnvironmentNotFound,
    SnapshotNotFound,
    ActivityNotFound,

    /// <summary>The user is unknown or not a member of the project (the two are not told apart, as the access page lists members only).</summary>
    MemberNotFound,

    /// <summary>The actor has no API token with that id (another user's token is not told apart from none).</summary>
    TokenNotFound,
    MissingRole,
    NotAvailableOnPlan,
    EnvironmentInactive,
    SnapshotExpired,
    SnapshotNotReady,
    SnapshotDeleted,
    SnapshotFailed,

    /// <summary>The snapshot is pinned: it must be unpinned before it can be deleted or pinned again.</summary>
    SnapshotPinned,

    /// <summary>The snapshot is not pinned, so there is nothing to unpin.</summary>
    SnapshotNotPinned,
    InvalidInput,

    /// <summary>The activity already ended (complete or cancelled): there is nothing to cancel.</summary>
    ActivityFinished,

    /// <summary>The activity is past the point where it can stop and will finish.</summary>
    ActivityCannotStop,

    /// <summary>A verify found the snapshot's stored data damaged: it cannot be restored.</summary>
    SnapshotCorrupt,

    /// <summary>The environment's schedule is declared in configuration and is changed there.</summary>
    ScheduleDeclared,

    /// <summary>The environment has no open alert with that id (unknown, or already closed).</summary>
    AlertNotFound,
}

public sealed record Refusal(RefusalCode Code, string Message)
{
    public bool IsNotFound => Code is RefusalCode.ProjectNotFound or RefusalCode.EnvironmentNotFound
        or RefusalCode.SnapshotNotFound or RefusalCode.ActivityNotFound or RefusalCode.TokenNotFound or RefusalCode.AlertNotFound;

    /// <summary>A value someone sent, quoted for a refusal's message and cut short when it is long.</summary>
    public static string Quote(string value, int maxLength = 60) => value.Length <= maxLength ? $"'{value}'" : $"'{value[..maxLength]}…'";
}

/// <summary>Thrown by application services when a rule forbids the request. Nothing has been changed.</summary>
public sealed class PortalRefusedException(Refusal refusal) : Exception(refusal.Message)
{
    public Refusal Refusal { get; } = refusal;
    public RefusalCode Code => Refusal.Code;
}
