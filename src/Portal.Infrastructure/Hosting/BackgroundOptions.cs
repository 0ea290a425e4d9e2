namespace Portal.Infrastructure.Hosting;

/// <summary>How often the periodic services run (the worker's poll is <c>Activities:PollMilliseconds</c>).</summary>
public sealed class BackgroundOptions
{
    public const string Section = "Background";

    /// <summary>Every environment's services are checked (folder, client tool, server) this often.</summary>
    public TimeSpan ServiceCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Expired snapshots leave the store within this long of their expiry.</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Snapshots due a verify (<c>Snapshots:VerifyEvery</c>) are looked for this often, and their verify queued.</summary>
    public TimeSpan VerifySweepInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Schedules are looked at this often: a scheduled snapshot is queued within this long of its time.</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The store is measured for the <c>portal.store.size</c> metric this often.</summary>
    public TimeSpan StoreSizeInterval { get; set; } = TimeSpan.FromMinutes(5);
}
