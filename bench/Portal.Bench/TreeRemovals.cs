namespace Portal.Bench;

using System.Diagnostics;
using Portal.Testing;

/// <summary>
/// Keeps deletions of file trees out of the timed restores: ext4 passes over every inode freed in the last minute when it
/// allocates one (recently_deleted), so a restore right after a deletion of thousands of files paid ~1 CPU-s more in a perf
/// profile. Untimed: Portal's background delete of a swapped-out tree is waited for, and a timed restore starts 65 s after
/// the last deletion.
/// </summary>
internal sealed class TreeRemovals(CancellationToken cancellationToken)
{
    /// <summary>Long enough after the last deletion that ext4 no longer passes over its inodes (60 s once written back).</summary>
    public static readonly TimeSpan InodeQuiet = TimeSpan.FromSeconds(65);

    private readonly Stopwatch _sinceRemoval = Stopwatch.StartNew();

    /// <summary>A tree was deleted just now.</summary>
    public void Removed() => _sinceRemoval.Restart();

    /// <summary>Waits until no deletion is recent enough to slow the next restore's inode allocation.</summary>
    public async Task QuietAsync()
    {
        if (_sinceRemoval.Elapsed < InodeQuiet)
        {
            await Task.Delay(InodeQuiet - _sinceRemoval.Elapsed, cancellationToken);
        }
    }

    /// <summary>Waits for Portal's background delete of the trees its restores swapped out, then counts it as a deletion.</summary>
    public async Task PortalRemovedAsync(PortalProcess portal)
    {
        await RecordsGoneAsync(portal, "*.path", "deleted the swapped-out tree");
        Removed();
    }

    /// <summary>Waits for Portal's background drop of the MariaDB tables its restores replaced (a few table files, not a tree).</summary>
    public Task PortalDroppedHeldTablesAsync(PortalProcess portal) => RecordsGoneAsync(portal, "*.held", "dropped the replaced MariaDB tables");

    private async Task RecordsGoneAsync(PortalProcess portal, string pattern, string what)
    {
        var removals = Path.Combine(portal.DataPath, "snapshots", "removals");
        var clock = Stopwatch.StartNew();
        while (Directory.Exists(removals) && Directory.EnumerateFiles(removals, pattern).Any())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"Portal had not {what} recorded in {removals} after 5 minutes.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
