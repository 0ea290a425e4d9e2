namespace Portal.Engine.Adapters.MySql;

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MySqlConnector;

/// <summary>
/// Drops the databases holding the tables a committed restore replaced, one at a time in the background, so a restore
/// ends at its switch instead of waiting for the server to delete the old table files. Each is recorded under the store's
/// removals/ folder first (server, target database, holding database and data directory; never credentials) and forgotten
/// only once dropped. What a stop or kill left is dropped when the service is next seen (<see cref="Resume"/>: the service
/// check at start and every few minutes); the next restore of that target drops every holding database anyway.
/// </summary>
internal sealed class HeldTableDrops : SerialBackgroundWork
{
    private const string Extension = ".held";

    private readonly string _records;
    private readonly Dictionary<string, Record> _waiting = new(StringComparer.Ordinal);
    private readonly HashSet<string> _scheduled = new(StringComparer.Ordinal);

    public HeldTableDrops(string storePath)
    {
        _records = Path.Combine(Path.GetFullPath(storePath), "removals");
        OwnerOnly.CreateFolder(_records);
        foreach (var path in Directory.EnumerateFiles(_records, "*" + Extension))
        {
            if (Record.Parse(File.ReadAllText(path, Encoding.UTF8)) is { } record)
            {
                _waiting[path] = record;
            }
            else
            {
                // Not a record Portal wrote: never drop what a damaged one names.
                File.Delete(path);
            }
        }
    }

    /// <summary>Holding databases recorded and not yet dropped, by this process or an earlier one; for tests.</summary>
    internal int Pending
    {
        get
        {
            lock (Lock)
            {
                return _waiting.Count + _scheduled.Count;
            }
        }
    }

    /// <summary>Records each holding database of the target a commit has made obsolete and queues its drop.</summary>
    public void Schedule(MySqlTarget target, string dataDirectory, IEnumerable<string> holdings)
    {
        foreach (var holding in holdings)
        {
            var record = new Record(target.Server.Server, target.Server.Port, target.Database, holding, dataDirectory);
            if (!record.IsValid)
            {
                throw new ArgumentException($"{holding} is not a holding database of {target.Database}.", nameof(holdings));
            }

            var path = Path.Combine(_records, record.FileName);
            if (!File.Exists(path))
            {
                using var file = OwnerOnly.CreateFile(path);
                file.Write(Encoding.UTF8.GetBytes(record.Format()));
            }

            Enqueue(target, path, record);
        }
    }

    /// <summary>Queues the drops an earlier process (or a failed attempt) left for this target; nothing when there are none.</summary>
    public void Resume(MySqlTarget target)
    {
        List<KeyValuePair<string, Record>> mine;
        lock (Lock)
        {
            mine = [.. _waiting.Where(w => w.Value.Names(target))];
        }

        foreach (var (path, record) in mine)
        {
            Enqueue(target, path, record);
        }
    }

    /// <summary>Makes every drop queued from now on wait for release, as a kill would leave them; a test seam.</summary>
    internal void HoldUntil(Task release)
    {
        lock (Lock)
        {
            Append(() => release);
        }
    }

    private void Enqueue(MySqlTarget target, string path, Record record)
    {
        lock (Lock)
        {
            if (!_scheduled.Add(path))
            {
                return;
            }

            _waiting.Remove(path);
            Append(() => DropAsync(target, path, record));
        }
    }

    private async Task DropAsync(MySqlTarget target, string path, Record record)
    {
        var dropped = false;
        try
        {
            Stopping.ThrowIfCancellationRequested();
            await using var connection = await target.ConnectAsync(null, Stopping);
            await MySqlStage.DropDatabaseAsync(connection, record.Holding, record.DataDirectory);
            File.Delete(path);
            dropped = true;
        }
        catch (Exception ex) when (ex is MySqlException or SnapshotEngineException or IOException or UnauthorizedAccessException or OperationCanceledException or ObjectDisposedException)
        {
            // The record stays: the next service check or restore of this target tries again.
        }
        finally
        {
            lock (Lock)
            {
                _scheduled.Remove(path);
                if (!dropped)
                {
                    _waiting[path] = record;
                }
            }
        }
    }

    /// <summary>One holding database to drop; its file name is a hash of what it names, so a second record of it is the same file.</summary>
    private sealed record Record(string Server, uint Port, string Database, string Holding, string DataDirectory)
    {
        public bool IsValid => MySqlStage.Beside(Database).IsHoldingDatabase(Holding) && Path.IsPathFullyQualified(DataDirectory);

        public string FileName =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', Server.ToUpperInvariant(), Port, Database, Holding))))[..32] + Extension;

        public bool Names(MySqlTarget target) =>
            string.Equals(Server, target.Server.Server, StringComparison.OrdinalIgnoreCase) && Port == target.Server.Port && Database == target.Database;

        /// <summary>One escaped field per line: a quoted MariaDB name or a path may hold a line break.</summary>
        public string Format() =>
            string.Join('\n', new[] { Server, Port.ToString(CultureInfo.InvariantCulture), Database, Holding, DataDirectory }.Select(Uri.EscapeDataString));

        public static Record? Parse(string text) =>
            text.Split('\n').Select(Uri.UnescapeDataString).ToArray() is [var server, var port, var database, var holding, var dataDirectory]
                && uint.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && new Record(server, number, database, holding, dataDirectory) is { IsValid: true } record
                ? record
                : null;
    }
}
