namespace Portal.Infrastructure.Hosting;

using System.ComponentModel.DataAnnotations;

/// <summary>How often the periodic services run (the worker's poll is <c>Activities:PollMilliseconds</c>).</summary>
public sealed class BackgroundOptions
{
    public const string Section = "Background";

    /// <summary>Every environment's services are checked (folder, client tool, server) this often.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ServiceCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Expired snapshots leave the store within this long of their expiry.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The store is measured for the <c>portal.store.size</c> metric this often.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StoreSizeInterval { get; set; } = TimeSpan.FromMinutes(5);
}
