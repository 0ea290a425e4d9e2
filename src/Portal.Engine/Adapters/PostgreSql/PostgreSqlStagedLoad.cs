namespace Portal.Engine.Adapters.PostgreSql;

using System.Text;
using Portal.Engine.Adapters.Common;
using Portal.Engine.Manifests;
using Portal.Engine.Store;

/// <summary>
/// A PostgreSQL restore staged inside its own open transaction: prepare streams the whole dump into psql, checking every object
/// once as it goes, and waits until psql has run its last statement; commit sends COMMIT. Disposing without committing closes
/// psql's input, and the server rolls the transaction back: until then the database is as it was for everyone else.
/// </summary>
internal sealed class PostgreSqlStagedLoad : IPreparedRestore
{
    private readonly TaskCompletionSource<bool> _decision = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MarkerWatch _loaded;
    private readonly Task _run;
    private bool _decided;

    private PostgreSqlStagedLoad(ExternalTool psql, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, ManifestService entry, EngineContext context)
    {
        // psql echoes this only after running every statement before it, so reaching it means the dump loaded without error.
        var marker = $"portal-loaded-{Guid.NewGuid():N}";
        _loaded = new MarkerWatch(Encoding.ASCII.GetBytes(marker));
        _run = psql.RunAsync(
            arguments,
            environment,
            async (stdin, token) =>
            {
                await Task.Run(
                    () =>
                    {
                        stdin.Write(Encoding.UTF8.GetBytes(PostgreSqlAdapter.ResetSchemas));
                        context.CopyChunks(entry.Chunks!, entry.Name, stdin);
                        stdin.Write(Encoding.UTF8.GetBytes($"\n\\echo {marker}\n"));
                        stdin.Flush();
                    },
                    token);
                // psql may fail (or be killed) before the decision: then its exit code and error are what the run reports.
                await Task.WhenAny(_decision.Task, _exited.Task);
                if (_decision.Task.IsCompletedSuccessfully && _decision.Task.Result && !_exited.Task.IsCompleted)
                {
                    // Not the prepare's token: its source is gone once every service has prepared; a stop kills psql through the run's.
                    await stdin.WriteAsync(Encoding.UTF8.GetBytes(PostgreSqlAdapter.Commit), CancellationToken.None);
                }
            },
            _loaded,
            context.CancellationToken,
            _exited);
    }

    /// <summary>Returns once the whole dump ran inside the open transaction; a bad object or a failing statement throws, nothing changed.</summary>
    public static async Task<IPreparedRestore> PrepareAsync(
        ExternalTool psql, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, ManifestService entry, EngineContext context)
    {
        var load = new PostgreSqlStagedLoad(psql, arguments, environment, entry, context);
        try
        {
            if (await Task.WhenAny(load._loaded.Seen, load._run) == load._run)
            {
                await load._run;
                throw new SnapshotEngineException($"PostgreSQL service '{entry.Name}': psql ended before loading the whole dump.");
            }

            return load;
        }
        catch
        {
            await load.DisposeAsync();
            throw;
        }
    }

    public async Task CommitAsync(EngineContext context)
    {
        _decided = _decision.TrySetResult(true);
        await _run;
    }

    public async ValueTask DisposeAsync()
    {
        if (_decided)
        {
            return;
        }

        _decided = _decision.TrySetResult(false);
        try
        {
            await _run;
        }
        catch (Exception)
        {
            // Rolled back either way: the failure that made us give up is the one reported.
        }
    }

    /// <summary>psql's output, watched for the marker line (pg_dump's SELECTs print rows to it too).</summary>
    private sealed class MarkerWatch(byte[] marker) : WriteOnlyStream
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<byte> _tail = [];

        public Task Seen => _seen.Task;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_seen.Task.IsCompleted)
            {
                return;
            }

            // The marker may straddle two writes: keep just enough of the previous one.
            _tail.AddRange(buffer);
            if (_tail.Count >= marker.Length && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tail).IndexOf(marker) >= 0)
            {
                _seen.TrySetResult();
                return;
            }

            if (_tail.Count > marker.Length)
            {
                _tail.RemoveRange(0, _tail.Count - marker.Length);
            }
        }

        public override void Flush()
        {
        }
    }
}
