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
    /// </summary>
    public async Task<PauseHandle> PauseAsync(ProjectEnvironment environment, ActivityRun run, CancellationToken cancellationToken, bool resuming = false)
    {
        // A resumed run takes the pause over whether the start-up recovery already set it or the kill came before the first pause.
        var paused = resuming
            ? await SetStatusAsync(environment.Id, EnvironmentStatus.Paused, EnvironmentStatus.Paused, FinishingRestoreReason)
                || await SetStatusAsync(environment.Id, EnvironmentStatus.Active, EnvironmentStatus.Paused, FinishingRestoreReason)
            : await SetStatusAsync(environment.Id, EnvironmentStatus.Active, EnvironmentStatus.Paused, null);
        if (paused && !resuming)
        {
            run.EnvironmentStatusChanged(EnvironmentStatus.Paused, $"{environment.Name} paused");
        }

        var handle = new PauseHandle(this, environment, run, paused);
        var failure = await EnvironmentCommands.RunAsync(environment.PreSnapshotCommand, "pre-snapshot command", run, cancellationToken);
        if (failure is not null)
        {
            await handle.DisposeAsync();
            throw new ActivityFailedException(failure);
        }

        return handle;
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
    private async Task<bool> SetStatusAsync(Guid environmentId, EnvironmentStatus from, EnvironmentStatus to, string? reason)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        return await db.Environments.Where(e => e.Id == environmentId && e.Status == from)
            .ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Status, to)
                .SetProperty(e => e.StatusReason, reason), CancellationToken.None) == 1;
    }

    /// <summary>Ends the pause when disposed: post command, then active again, or the status the holder chose instead.</summary>
    internal sealed class PauseHandle(EnvironmentPause owner, ProjectEnvironment environment, ActivityRun run, bool paused) : IAsyncDisposable
    {
        private bool _done;
        private (EnvironmentStatus Status, string? Reason)? _endAs;

        /// <summary>Portal stops in the middle of a restore it will finish at the next start: stay paused, run no post command.</summary>
        public void KeepPausedForRestart() => _endAs = (EnvironmentStatus.Paused, FinishingRestoreReason);

        /// <summary>The environment's data could not be made whole: it must not look active.</summary>
        public void EndAsNeedingAttention(string reason) => _endAs = (EnvironmentStatus.Dirty, reason);

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

            if (_endAs is { } end)
            {
                await owner.SetStatusAsync(environment.Id, end.Status, end.Reason);
                run.EnvironmentStatusChanged(end.Status, $"{environment.Name} needs attention: {end.Reason}", end.Reason);
            }
            else if (paused && await owner.SetStatusAsync(environment.Id, EnvironmentStatus.Paused, EnvironmentStatus.Active, null))
            {
                run.EnvironmentStatusChanged(EnvironmentStatus.Active, $"{environment.Name} active again");
            }
        }
    }
}
