namespace Portal.Web;

using Portal.Infrastructure.Snapshots;

/// <summary>
/// <c>Portal.Web store reindex [--Setting=value …]</c>: finds the store's snapshots this metadata database does not know,
/// with Portal's own settings and start-up step but no web server or worker, prints the summary and exits: 0 when every
/// manifest is known or was added, 3 when some were skipped (the summary says why), 1 on a bad setting or an unreadable store.
/// </summary>
public static class StoreCommand
{
    public const int SomeSkipped = 3;

    public static bool Handles(string[] args) => args is ["store", ..];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (args is not ["store", "reindex", .. var settings])
        {
            await error.WriteLineAsync("usage: Portal.Web store reindex [--Section:Setting=value ...]");
            return 2;
        }

        try
        {
            await using var app = PortalHost.Build(settings);
            var report = await StoreReindex.RunOnceAsync(app.Services, cancellationToken);
            await output.WriteLineAsync(report.Summary);
            return report.Skipped.Count == 0 ? 0 : SomeSkipped;
        }
        catch (Exception ex) when (PortalHost.StartRefusal(ex) is { } refusal)
        {
            await error.WriteLineAsync(refusal);
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"Reindex: the snapshot store could not be read: {ex.Message}");
            return 1;
        }
    }
}
