namespace Portal.Bench;

using Portal.Infrastructure;

internal sealed record LoadResult(TimeSpan Rows, TimeSpan Analyze, long SizeBytes);

/// <summary>A throwaway metadata database on one provider.</summary>
internal interface IBenchDatabase : IAsyncDisposable
{
    string Name { get; }

    DatabaseProvider Provider { get; }

    string ConnectionString { get; }

    /// <summary>Where the data lives, for the report (a file path or a database name on a server).</summary>
    string Location { get; }

    Task CreateAsync(CancellationToken cancellationToken);

    /// <summary>Engine version and the settings that matter for the figures, for the report.</summary>
    Task<string> VersionAsync(CancellationToken cancellationToken);

    /// <summary>Loads the rows through the provider's fastest path, then refreshes planner statistics.</summary>
    Task<LoadResult> BulkLoadAsync(ActivityColumns columns, ActivityGenerator rows, string projectId, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ExplainAsync(CapturedCommand command, CancellationToken cancellationToken);

    /// <summary>Runs the captured command on one open connection, without EF, with a different environment each time.</summary>
    Task<double[]> RunRawAsync(CapturedCommand command, string capturedEnvironment, Func<string> nextEnvironment, int iterations, CancellationToken cancellationToken);
}
