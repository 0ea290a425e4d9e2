namespace Portal.Engine.Store;

using System.Security.Cryptography;
using System.Text;
using Portal.Contracts;
using Portal.Engine.Adapters;
using Portal.Engine.Manifests;

/// <summary>
/// What a restore wrote into each mount, with the new files' device, inode and change time: a restore knows every file's
/// content, so the next capture of that environment reuses those files unread instead of hashing the whole mount again.
/// Kept under the store's restored/ folder, one file per environment and mount; an index older than the newest snapshot is
/// ignored, and one naming objects no longer stored costs only the reuse of those files.
/// </summary>
internal sealed class RestoredIndexes
{
    private readonly string _folder;

    public RestoredIndexes(string storePath)
    {
        _folder = Path.Combine(Path.GetFullPath(storePath), "restored");
        OwnerOnly.CreateFolder(_folder);
        foreach (var half in Directory.EnumerateFiles(_folder, "*.tmp"))
        {
            // Written by a run killed before its rename: never an index.
            File.Delete(half);
        }
    }

    public void Write(string environmentKey, string sourceSnapshotId, DateTimeOffset startedAt, ManifestService mount)
    {
        var temp = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".tmp");
        using (var file = OwnerOnly.CreateFile(temp))
        {
            file.Write(new Manifest(Manifest.CurrentVersion, sourceSnapshotId, environmentKey, startedAt, [mount]).ToJson());
        }

        // Not synced: losing it to a crash only costs one full read at the next capture.
        File.Move(temp, PathOf(environmentKey, mount.Name), overwrite: true);
    }

    /// <summary>The restored mount and when its restore started, or null when there is none (or it cannot be read).</summary>
    public PreviousCapture? Read(string environmentKey, string service)
    {
        try
        {
            var json = File.ReadAllBytes(PathOf(environmentKey, service));
            var index = Manifest.FromJson(json, "restored index");
            return index.EnvironmentKey == environmentKey && index.Services is [{ Kind: ServiceKind.Mount } mount] && mount.Name == service
                ? new PreviousCapture(mount, index.CreatedAt)
                : null;
        }
        catch (Exception ex) when (ex is IOException or SnapshotEngineException)
        {
            return null;
        }
    }

    public void Delete(string environmentKey, string service) => File.Delete(PathOf(environmentKey, service));

    private string PathOf(string environmentKey, string service) =>
        Path.Combine(_folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{environmentKey}\0{service}")))[..32] + ".json");
}
