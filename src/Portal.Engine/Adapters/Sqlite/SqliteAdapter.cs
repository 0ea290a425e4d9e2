namespace Portal.Engine.Adapters.Sqlite;

using Microsoft.Data.Sqlite;
using Portal.Contracts;
using Portal.Engine.Manifests;

/// <summary>An SQLite database file, captured and restored through SQLite's online backup API.</summary>
internal sealed class SqliteAdapter : IServiceAdapter
{
    public ServiceKind Kind => ServiceKind.Sqlite;

    public Task<string?> CheckAsync(ServiceSpec spec, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(spec.Location) ? null : $"Service '{spec.Name}': the SQLite database {spec.Location} does not exist.");

    public Task<ManifestService> CaptureAsync(ServiceSpec spec, PreviousCapture? previous, EngineContext context) =>
        Task.Run(() => Capture(spec, context), context.CancellationToken);

    public void CheckRestorable(ManifestService entry, ServiceSpec target)
    {
        _ = ServiceEntries.RequireChunks(entry, "SQLite database");

        if (string.IsNullOrWhiteSpace(target.Location))
        {
            throw new SnapshotEngineException($"SQLite service '{target.Name}' has no database file path.");
        }
    }

    /// <summary>Writes the snapshot's database to a temp file, verifying every object once as it goes; commit copies it in.</summary>
    public Task<IPreparedRestore> PrepareRestoreAsync(ManifestService entry, ServiceSpec target, EngineContext context) =>
        Task.Run<IPreparedRestore>(() => Stage(entry, target, context), context.CancellationToken);

    private static ManifestService Capture(ServiceSpec spec, EngineContext context)
    {
        var path = Path.GetFullPath(spec.Location);
        if (!File.Exists(path))
        {
            throw new SnapshotEngineException($"SQLite service '{spec.Name}': database file {path} does not exist.");
        }

        var temp = context.Store.NewTempPath(".sqlite");
        try
        {
            OwnerOnly.EnsureFile(temp);
            // The backup API gives a consistent copy while the app keeps writing; copying the file (and its -wal) would not.
            using (var source = Open(path, SqliteOpenMode.ReadWrite))
            using (var copy = Open(temp, SqliteOpenMode.ReadWriteCreate))
            {
                source.BackupDatabase(copy);
            }

            context.Progress.AddTotal(new FileInfo(temp).Length);
            context.Progress.Phase($"Capturing SQLite database {spec.Name}");
            using var sink = context.NewSink();
            using (var input = File.OpenRead(temp))
            {
                input.CopyTo(sink, 1 << 20);
            }

            return new ManifestService(spec.Name, ServiceKind.Sqlite, sink.TotalLength, sink.Complete(), null);
        }
        catch (SqliteException ex)
        {
            throw new SnapshotEngineException($"SQLite service '{spec.Name}': could not back up {path}: {ex.Message}", ex);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static PreparedDatabase Stage(ManifestService entry, ServiceSpec target, EngineContext context)
    {
        var temp = context.Store.NewTempPath(".sqlite");
        context.Progress.Phase($"Staging SQLite database {target.Name}");
        try
        {
            using var output = OwnerOnly.CreateFile(temp);
            context.CopyChunks(entry.Chunks!, entry.Name, output);
            output.Flush(flushToDisk: true);
            return new PreparedDatabase(temp, target);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// Restores through the backup API into the live file rather than renaming a new file over it: the app's open
    /// connections keep pointing at the same inode and see the restored data, SQLite's own locking and journal make the
    /// replacement atomic (a kill half-way is rolled back by the next opener), and no -wal/-shm of a connection still open
    /// gets deleted from under it.
    /// </summary>
    private sealed class PreparedDatabase(string staged, ServiceSpec target) : IPreparedRestore
    {
        public Task CommitAsync(EngineContext context) => Task.Run(() =>
        {
            var path = Path.GetFullPath(target.Location);
            context.Progress.Phase($"Restoring SQLite database {target.Name}");
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var source = Open(staged, SqliteOpenMode.ReadOnly);
                using var live = Open(path, SqliteOpenMode.ReadWriteCreate);
                source.BackupDatabase(live);
            }
            catch (SqliteException ex)
            {
                throw new SnapshotEngineException($"SQLite service '{target.Name}': could not restore into {path}: {ex.Message}", ex);
            }
        }, context.CancellationToken);

        public ValueTask DisposeAsync()
        {
            File.Delete(staged);
            return ValueTask.CompletedTask;
        }
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        return connection;
    }
}
