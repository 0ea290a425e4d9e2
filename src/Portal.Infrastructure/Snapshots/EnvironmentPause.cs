namespace Portal.Infrastructure.Snapshots;

using Microsoft.EntityFrameworkCore;
using Portal.Core.Environments;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Pauses an environment for a safe snapshot or a restore: status paused and the pre command, then, whatever
/// happened, the post command and the active status come back.
/// </summary>
internal sealed class EnvironmentPause(IDbContextFactory<PortalDbContext> contexts)
{
    public async Task<IAsyncDisposable> PauseAsync(ProjectEnvironment environment, ActivityRun run, CancellationToken cancellationToken)
    {
        var paused = await SetStatusAsync(environment.Id, EnvironmentStatus.Active, EnvironmentStatus.Paused);
        if (paused)
        {
            run.EnvironmentStatusChanged(EnvironmentStatus.Paused, $"{environment.Name} paused");
        }

        var handle = new Resume(this, environment, run, paused);
        var failure = await EnvironmentCommands.RunAsync(environment.PreSnapshotCommand, "pre-snapshot command", run, cancellationToken);
        if (failure is not null)
        {
            await handle.DisposeAsync();
            throw new ActivityFailedException(failure);
        }

        return handle;
    }

    // Written without the caller's token: giving the environment back must happen even while Portal stops.
    private async Task<bool> SetStatusAsync(Guid environmentId, EnvironmentStatus from, EnvironmentStatus to)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        return await db.Environments.Where(e => e.Id == environmentId && e.Status == from)
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.Status, to), CancellationToken.None) == 1;
    }

    private sealed class Resume(EnvironmentPause owner, ProjectEnvironment environment, ActivityRun run, bool paused) : IAsyncDisposable
    {
        private bool _done;

        public async ValueTask DisposeAsync()
        {
            if (_done)
            {
                return;
            }

            _done = true;
            var failure = await EnvironmentCommands.RunAsync(environment.PostSnapshotCommand, "post-snapshot command", run, CancellationToken.None);
            if (failure is not null)
            {
                run.Log($"warning: {failure}");
            }

            if (paused && await owner.SetStatusAsync(environment.Id, EnvironmentStatus.Paused, EnvironmentStatus.Active))
            {
                run.EnvironmentStatusChanged(EnvironmentStatus.Active, $"{environment.Name} active again");
            }
        }
    }
}
