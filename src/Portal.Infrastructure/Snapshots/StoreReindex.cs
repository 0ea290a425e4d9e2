namespace Portal.Infrastructure.Snapshots;

using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Engine;
using Portal.Infrastructure.Persistence;

/// <summary>A manifest left out of the metadata database, and why; it stays in the store.</summary>
public sealed record ReindexSkip(string SnapshotId, string Reason);

/// <summary>What a reindex found: every manifest is either added, already known or skipped.</summary>
public sealed record ReindexReport(int Manifests, IReadOnlyList<string> Added, int AlreadyKnown, IReadOnlyList<ReindexSkip> Skipped)
{
    /// <summary>One line for the log and the console, with each skipped manifest's reason.</summary>
    public string Summary =>
        $"Reindex: {Manifests} manifests, {Added.Count} added, {AlreadyKnown} already known, {Skipped.Count} skipped"
        + (Skipped.Count == 0 ? "" : ": " + string.Join("; ", Skipped.Select(s => $"{s.SnapshotId} ({s.Reason})")));
}

/// <summary>
/// Finds the snapshots a store holds that this metadata database does not know — a new Portal pointed at an existing store
/// and the same declarations — from the labels in their manifests (project id and environment name, who, when, live or
/// safe, sizes), and records each as Created in that environment, with a feed entry saying it was found. Nothing is ever
/// deleted from the store; a manifest without a label, or naming a project or environment this Portal does not have, is
/// skipped with the reason. Idempotent: a snapshot already in the database (in any status) is left as it is.
/// </summary>
public sealed class StoreReindex(
    IDbContextFactory<PortalDbContext> contexts,
    ISnapshotEngine engine,
    TimeProvider time)
{
    public async Task<ReindexReport> RunAsync(CancellationToken cancellationToken)
    {
        var stored = await engine.ListStoredAsync(cancellationToken);
        var pins = await engine.ReadPinsAsync(cancellationToken);
        var ids = stored.Select(s => s.SnapshotId).ToList();
        HashSet<string> known;
        Dictionary<(string Project, string Environment), Core.Environments.ProjectEnvironment> environments;
        HashSet<string> projects;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            known = [.. await db.Snapshots.Where(s => ids.Contains(s.Id)).Select(s => s.Id).ToListAsync(cancellationToken)];
            environments = (await db.Environments.AsNoTracking().ToListAsync(cancellationToken)).ToDictionary(e => (e.ProjectId, e.Name));
            projects = [.. await db.Projects.Select(p => p.Id).ToListAsync(cancellationToken)];
        }

        var added = new List<string>();
        var skipped = new List<ReindexSkip>();
        var alreadyKnown = 0;
        foreach (var snapshot in stored.OrderBy(s => s.Label?.CreatedAt ?? s.CreatedAt).ThenBy(s => s.SnapshotId, StringComparer.Ordinal))
        {
            if (known.Contains(snapshot.SnapshotId))
            {
                alreadyKnown++;
                continue;
            }

            var reason = snapshot switch
            {
                { Problem: { } problem } => problem,
                { Label: null } => "its manifest has no label (written before Portal recorded one), so its project and environment are unknown",
                { Label: { } label } when !projects.Contains(label.ProjectId) => $"this Portal has no project '{label.ProjectId}'",
                { Label: { } label } when !environments.ContainsKey((label.ProjectId, label.EnvironmentName)) =>
                    $"project '{label.ProjectId}' has no environment '{label.EnvironmentName}'",
                { SnapshotId.Length: > 64 } => "its id is longer than 64 characters",
                { Label.CreatedBy: var who } when !PortalIds.IsPlausibleName(who, ColumnLengths.UserId) => "its creator is not a valid user id",
                _ => null,
            };
            if (reason is not null)
            {
                skipped.Add(new ReindexSkip(snapshot.SnapshotId, reason));
                continue;
            }

            var environment = environments[(snapshot.Label!.ProjectId, snapshot.Label.EnvironmentName)];
            if (await AddAsync(snapshot.SnapshotId, snapshot.Label, pins.GetValueOrDefault(snapshot.SnapshotId), environment, cancellationToken))
            {
                added.Add(snapshot.SnapshotId);
            }
            else
            {
                alreadyKnown++;
            }
        }

        return new ReindexReport(stored.Count, added, alreadyKnown, skipped);
    }

    /// <summary>The snapshot row and its feed entry in one save; false when another node recorded the snapshot first.</summary>
    private async Task<bool> AddAsync(string id, SnapshotLabel label, StoredPin? pin, Core.Environments.ProjectEnvironment environment, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var who = await db.Users.AsNoTracking().Where(u => u.Id == label.CreatedBy).Select(u => u.DisplayName).FirstOrDefaultAsync(cancellationToken) ?? label.CreatedBy;
        var completed = label.CompletedAt ?? label.CreatedAt;
        var kind = label.IsSafetySnapshot ? "safety snapshot" : label.Safe ? "snapshot" : "live snapshot";
        // Dated when the snapshot was taken, so the feed reads in the order things happened and the entry offers restore like any snapshot's.
        var activity = new Activity
        {
            Id = PortalIds.New(),
            ProjectId = environment.ProjectId,
            EnvironmentId = environment.Id,
            EnvironmentName = environment.Name,
            Type = ActivityTypes.Snapshot,
            State = ActivityState.Complete,
            Result = ActivityResult.Success,
            CompletionPercent = 100,
            CreatedAt = label.CreatedAt,
            StartedAt = label.CreatedAt,
            CompletedAt = completed,
            SnapshotId = id,
            Payload = new SnapshotPayload { Live = !label.Safe }.ToJson(),
            Text = $"Portal found {kind} {id} of {environment.Name} in the store, taken by {who}",
            InitiatedBy = Actor.System.UserId,
            Log = $"found in the snapshot store on {SnapshotRules.FormatUtc(time.GetUtcNow())}, from its manifest's label: "
                + $"{kind} taken by {label.CreatedBy} on {SnapshotRules.FormatUtc(label.CreatedAt)}"
                + (label.ActivityId is null ? "" : $" (activity {label.ActivityId} of the Portal that took it)")
                + $", {ByteSize.Format(label.SizeOfDatabases)} of databases and {ByteSize.Format(label.SizeOfVolumes)} of files\n",
        };
        db.Activities.Add(activity);
        db.Snapshots.Add(new Snapshot
        {
            Id = id,
            ProjectId = environment.ProjectId,
            EnvironmentId = environment.Id,
            EnvironmentName = environment.Name,
            Status = SnapshotStatus.Created,
            Safe = label.Safe,
            IsSafetySnapshot = label.IsSafetySnapshot,
            Automated = label.Automated,
            CreatedAt = label.CreatedAt,
            // As recorded when it was taken: the restore window counts from then, so an old snapshot is listed but refused as expired.
            ExpiresAt = label.ExpiresAt,
            CompletedAt = completed,
            SizeOfVolumes = label.SizeOfVolumes,
            SizeOfDatabases = label.SizeOfDatabases,
            SizeStored = label.SizeStored,
            CreatedBy = label.CreatedBy,
            ActivityId = activity.Id,
            // Pinned as the lost Portal had it, so retention does not take what someone chose to keep (the reason is cut to fit).
            PinnedAt = pin?.At,
            PinnedBy = pin is null ? null : TextCut.Fit(pin.By, ColumnLengths.UserId),
            PinReason = pin is null ? null : TextCut.Fit(pin.Reason, SnapshotService.MaxPinReasonLength),
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            await using var check = await contexts.CreateDbContextAsync(cancellationToken);
            if (await check.Snapshots.AnyAsync(s => s.Id == id, cancellationToken))
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>
    /// The on-demand run (<c>Portal.Web store reindex</c>): Portal's own start-up step (migrations, declared projects) on the
    /// configured database, then the reindex, without the worker or the web server.
    /// </summary>
    public static async Task<ReindexReport> RunOnceAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        foreach (var initializer in services.GetServices<IHostedService>().OfType<DatabaseInitializer>())
        {
            await initializer.StartAsync(cancellationToken);
        }

        return await services.GetRequiredService<StoreReindex>().RunAsync(cancellationToken);
    }
}

/// <summary><c>Snapshots:ReindexOnStart</c>: runs the reindex once at start, after the declared projects, before the worker takes work.</summary>
internal sealed class StoreReindexOnStart(
    StoreReindex reindex,
    IOptions<SnapshotOptions> options,
    ILogger<StoreReindexOnStart> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.ReindexOnStart)
        {
            return;
        }

        try
        {
            var report = await reindex.RunAsync(cancellationToken);
            logger.LogInformation("{Summary}", report.Summary);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A start on existing data always succeeds: a store that cannot be read now is said, and the next start tries again.
            logger.LogError(ex, "Reindex: the snapshot store could not be read; nothing was added");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
