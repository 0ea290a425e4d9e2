namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Environments;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Pauses an environment for a safe snapshot or a restore: status paused and the pre command, then, whatever
/// happened, the post command and the active status come back — unless the holder says the environment must stay
/// paused (a restore Portal will finish at its next start) or needs attention.
/// </summary>
internal sealed class EnvironmentPause(IDbContextFactory<PortalDbContext> contexts)
{
    public const string FinishingRestoreReason = "finishing an interrupted restore";

    /// <summary>
    /// Pauses the environment. <paramref name="resuming"/>: the environment was left paused by an earlier run of the same
    /// activity (Portal restarted in the middle of it), so this run owns that pause and gives it back when done.
    /// An environment that needs attention (dirty) is paused too, and gets its status and reason back unless a restore
    /// made it whole.
    /// </summary>
    public async Task<PauseHandle> PauseAsync(ProjectEnvironment environment, ActivityRun run, CancellationToken cancellationToken, bool resuming = false)
    {
        var before = resuming ? (EnvironmentStatus.Active, null) : await StatusAsync(environment.Id);
        var paused = before.Status is EnvironmentStatus.Active or EnvironmentStatus.Dirty or EnvironmentStatus.Paused
            && await SetStatusAsync(environment.Id, [EnvironmentStatus.Active, EnvironmentStatus.Dirty, EnvironmentStatus.Paused],
                EnvironmentStatus.Paused, resuming ? FinishingRestoreReason : null);
        if (paused && !resuming)
        {
            run.EnvironmentStatusChanged(EnvironmentStatus.Paused, $"{environment.Name} paused");
        }

        var handle = new PauseHandle(this, environment, run, paused ? before : null);
        var failure = await EnvironmentCommands.RunAsync(environment.PreSnapshotCommand, "pre-snapshot command", run, cancellationToken);
        if (failure is not null)
        {
            await handle.DisposeAsync();
            throw new ActivityFailedException(failure);
        }

        return handle;
    }

    private async Task<(EnvironmentStatus Status, string? Reason)> StatusAsync(Guid environmentId)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        var found = await db.Environments.Where(e => e.Id == environmentId).Select(e => new { e.Status, e.StatusReason }).FirstAsync(CancellationToken.None);
        return (found.Status, found.StatusReason);
    }

    /// <summary>Sets a status Portal chose, with its reason, whatever the status is now.</summary>
    public async Task SetStatusAsync(Guid environmentId, EnvironmentStatus status, string? reason)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.Environments.Where(e => e.Id == environmentId).ExecuteUpdateAsync(set => set
            .SetProperty(e => e.Status, status)
            .SetProperty(e => e.StatusReason, reason), CancellationToken.None);
    }

    // Written without the caller's token: giving the environment back must happen even while Portal stops.
    private async Task<bool> SetStatusAsync(Guid environmentId, EnvironmentStatus[] from, EnvironmentStatus to, string? reason)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        return await db.Environments.Where(e => e.Id == environmentId && from.Contains(e.Status))
            .ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Status, to)
                .SetProperty(e => e.StatusReason, reason), CancellationToken.None) == 1;
    }

    /// <summary>Ends the pause when disposed: post command, then the status from before the pause, or the one the holder chose.</summary>
    internal sealed class PauseHandle(EnvironmentPause owner, ProjectEnvironment environment, ActivityRun run, (EnvironmentStatus Status, string? Reason)? before) : IAsyncDisposable
    {
        private bool _done;
        private (EnvironmentStatus Status, string? Reason)? _endAs;

        /// <summary>Portal stops in the middle of a restore it will finish at the next start: stay paused, run no post command.</summary>
        public void KeepPausedForRestart() => _endAs = (EnvironmentStatus.Paused, FinishingRestoreReason);

        /// <summary>The environment's data could not be made whole: it must not look active.</summary>
        public void EndAsNeedingAttention(string reason) => _endAs = (EnvironmentStatus.Dirty, reason);

        /// <summary>Every service holds one snapshot's data: whatever needed attention before is repaired.</summary>
        public void EndAsWhole() => _endAs = (EnvironmentStatus.Active, null);

        public async ValueTask DisposeAsync()
        {
            if (_done)
            {
                return;
            }

            _done = true;
            if (_endAs is { Status: EnvironmentStatus.Paused })
            {
                run.Log($"{environment.Name} stays paused until Portal finishes this restore");
                return;
            }

            var failure = await EnvironmentCommands.RunAsync(environment.PostSnapshotCommand, "post-snapshot command", run, CancellationToken.None);
            if (failure is not null)
            {
                run.Log($"warning: {failure}");
            }

            // Not paused by this holder (an activity already held it): leave the status to that one, unless told otherwise.
            if ((_endAs ?? before) is not { } end)
            {
                return;
            }

            await owner.SetStatusAsync(environment.Id, end.Status, end.Reason);
            run.EnvironmentStatusChanged(end.Status, end.Status switch
            {
                EnvironmentStatus.Dirty => $"{environment.Name} needs attention: {end.Reason}",
                EnvironmentStatus.Active => $"{environment.Name} active again",
                _ => $"{environment.Name} {end.Status.ToApiName()} again",
            }, end.Reason);
        }
    }
}
