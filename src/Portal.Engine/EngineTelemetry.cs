namespace Portal.Engine;

using System.Diagnostics;

/// <summary>
/// Spans of the engine's phases (capture: prepare, one per service, commit; verify; restore: prepare and commit per
/// service; delete), so a trace shows where a slow or failed snapshot spent its time. Listen to <see cref="SourceName"/>.
/// </summary>
public static class EngineTelemetry
{
    public const string SourceName = "Portal.Engine";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Runs one phase inside a span; a failure marks the span as an error before it propagates.</summary>
    internal static async Task<T> PhaseAsync<T>(string phase, string snapshotId, ServiceSpec? service, Func<Task<T>> run)
    {
        using var span = Source.StartActivity(phase);
        if (span is not null)
        {
            span.SetTag("portal.snapshot.id", snapshotId);
            if (service is not null)
            {
                span.SetTag("portal.service.name", service.Name);
                span.SetTag("portal.service.kind", service.Kind.ToString());
            }
        }

        try
        {
            return await run();
        }
        catch (Exception ex) when (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, ex.Message);
            span.AddException(ex);
            throw;
        }
    }

    internal static Task PhaseAsync(string phase, string snapshotId, ServiceSpec? service, Func<Task> run) =>
        PhaseAsync(phase, snapshotId, service, async () =>
        {
            await run();
            return true;
        });
}
