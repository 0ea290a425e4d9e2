namespace Portal.Engine.Adapters.Mounts;

using System.Security.Cryptography;
using System.Text;

/// <summary>
/// Deletes the trees a restore swapped out (and leftovers of killed runs) one at a time in the background, so a restore ends
/// at its swap instead of waiting for a large folder to be unlinked. Each is recorded under the store's removals/ folder
/// first and forgotten only once gone, so a stop or kill part-way is finished at the next start.
/// </summary>
internal sealed class OldTreeRemovals : SerialBackgroundWork
{
    private readonly string _records;
    private readonly HashSet<string> _scheduled = new(StringComparer.Ordinal);

    public OldTreeRemovals(string storePath)
    {
        _records = Path.Combine(Path.GetFullPath(storePath), "removals");
        OwnerOnly.CreateFolder(_records);
        foreach (var record in Directory.EnumerateFiles(_records, "*.path"))
        {
            var path = File.ReadAllText(record, Encoding.UTF8);
            if (IsLeftoverName(path))
            {
                Schedule(path);
            }
            else
            {
                // Not a folder Portal made: never delete what a damaged record names.
                File.Delete(record);
            }
        }
    }

    /// <summary>Only folders named like a swapped-out tree or an unfinished build are ever removed.</summary>
    public static bool IsLeftoverName(string path) =>
        Path.GetFileName(path) is { } name && name.StartsWith('.') && (name.Contains(".portal-old-", StringComparison.Ordinal) || name.Contains(".portal-restore-", StringComparison.Ordinal));

    public bool IsScheduled(string path)
    {
        lock (Lock)
        {
            return _scheduled.Contains(path);
        }
    }

    /// <summary>Records the folder and queues its removal; scheduling one already queued does nothing.</summary>
    public void Schedule(string path)
    {
        if (!IsLeftoverName(path))
        {
            throw new ArgumentException($"{path} is not a leftover of a restore.", nameof(path));
        }

        lock (Lock)
        {
            if (!_scheduled.Add(path))
            {
                return;
            }

            var record = RecordOf(path);
            if (!File.Exists(record))
            {
                using var file = OwnerOnly.CreateFile(record);
                file.Write(Encoding.UTF8.GetBytes(path));
            }

            // A thread of its own, at the lowest priority: deleting a large tree must not slow the capture or restore that follows.
            Append(
                () =>
                {
                    Posix.YieldThreadToOtherWork();
                    Remove(path, record);
                    return Task.CompletedTask;
                },
                TaskContinuationOptions.LongRunning);
        }
    }

    private void Remove(string path, string record)
    {
        try
        {
            if (Stopping.IsCancellationRequested)
            {
                return;
            }

            MountSwap.RemoveTree(path, Stopping);
            File.Delete(record);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PosixException or OperationCanceledException)
        {
            // The record stays: the next start tries again, and the next capture of that mount schedules it too.
        }
        finally
        {
            lock (Lock)
            {
                _scheduled.Remove(path);
            }
        }
    }

    private string RecordOf(string path) =>
        Path.Combine(_records, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..32] + ".path");
}
