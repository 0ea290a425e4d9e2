namespace Portal.Engine;

/// <summary>How the snapshot store's transient failures are retried (section Engine:StoreRetry); see <see cref="Store.RetryingObjectStore"/>.</summary>
public sealed class StoreRetryOptions
{
    public const int MaxMaxAttempts = 20;
    public static readonly TimeSpan MaxMaxDelay = TimeSpan.FromMinutes(5);

    /// <summary>Tries of one call, the first included; 1 turns retrying off.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the second try; each later wait doubles, up to <see cref="MaxDelay"/>, and is jittered down by up to half.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between two tries: five tries wait at most about 3 s in all at the defaults.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);
}
