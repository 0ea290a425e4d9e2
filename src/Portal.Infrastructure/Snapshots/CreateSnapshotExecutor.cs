namespace Portal.Infrastructure.Snapshots;

using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Activities;

/// <summary>Runs "environment.backup": a live snapshot keeps the environment running, a safe one pauses it.</summary>
internal sealed class CreateSnapshotExecutor(EnvironmentLoader environments, SnapshotCapture capture, EnvironmentPause pause) : IActivityExecutor
{
    public string Type => ActivityTypes.Snapshot;

    public async Task ExecuteAsync(Activity activity, ActivityRun run, CancellationToken cancellationToken)
    {
        var payload = SnapshotPayload.Parse(activity.Payload);
        var snapshotId = activity.SnapshotId ?? throw new ActivityFailedException("The activity names no snapshot.");
        try
        {
            var environment = await environments.LoadAsync(activity.EnvironmentId, cancellationToken);

            // Rules are checked again: the environment may have changed while the activity waited.
            AccessGuard.Enforce(SnapshotRules.CheckEnvironmentAllowsSnapshots(environment));
            if (payload.Live)
            {
                run.Log("live snapshot: the environment keeps running");
                await capture.CaptureAsync(environment, snapshotId, activity, safe: false, isSafetySnapshot: false, run, 0, 100, cancellationToken);
                return;
            }

            await using (await pause.PauseAsync(environment, run, cancellationToken))
            {
                await capture.CaptureAsync(environment, snapshotId, activity, safe: true, isSafetySnapshot: false, run, 0, 100, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            await capture.FailIfNeverCapturedAsync(snapshotId, run.Cancellation.RequestedBy is { } by ? $"cancelled by {by}"
                : cancellationToken.IsCancellationRequested ? ActivityWorker.InterruptedReason
                : ex.Message);
            throw;
        }
    }
}
