namespace Portal.Infrastructure.Alerts;

using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts;
using Portal.Core.Activities;
using Portal.Core.Alerts;
using Portal.Core.Common;
using Portal.Core.Schedules;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;
using Activity = Portal.Core.Activities.Activity;

/// <summary>
/// Raises the environments' alerts — an activity that failed or was cancelled, one running more than twice as long as the
/// environment's recent ones of its type, a scheduled snapshot that did not happen — each once (a unique key), with one
/// delivery per project webhook and e-mail recipient; and closes those whose cause is over. Run by <see cref="AlertDispatcher"/>,
/// one node at a time, so a restart or another node picks up where it stopped and never raises the same thing twice.
/// </summary>
internal sealed class AlertRaiser(
    IDbContextFactory<PortalDbContext> contexts,
    IOptions<ConfiguredProjects> projects,
    IOptions<AlertOptions> options,
    IScheduleRepository schedules,
    ISnapshotRepository snapshots,
    TimeProvider time)
{
    /// <summary>Durations an overrun is judged against: the environment's last successful activities of the same type.</summary>
    private const int History = 5;

    /// <summary>Raises what is new and closes what is over; returns how many alerts were raised.</summary>
    public async Task<int> RaiseAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var raised = new List<(Alert Alert, Activity? Activity)>();
        raised.AddRange(await EndedBadlyAsync(db, now, cancellationToken));
        raised.AddRange(await OverrunsAsync(db, now, cancellationToken));
        raised.AddRange((await MissedRunsAsync(db, now, cancellationToken)).Select(a => (a, (Activity?)null)));
        foreach (var (alert, activity) in raised)
        {
            db.Alerts.Add(alert);
            AddDeliveries(db, alert, activity, now);
        }

        await db.SaveChangesAsync(cancellationToken);
        await CloseFinishedAsync(db, now, cancellationToken);
        return raised.Count;
    }

    /// <summary>Activities that ended in failure or were cancelled within the lookback and have no alert yet.</summary>
    private async Task<IEnumerable<(Alert, Activity?)>> EndedBadlyAsync(PortalDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var since = now - options.Value.Lookback;
        // In the query, not after it: times are stored as UTC ticks on both providers, and the feed's whole history of
        // failures (with their logs) must not be read every few seconds.
        var ended = await db.Activities.AsNoTracking()
            .Where(a => a.State == ActivityState.Cancelled || (a.State == ActivityState.Complete && a.Result == ActivityResult.Failure))
            .Where(a => a.CompletedAt >= since)
            .Where(a => !db.Alerts.Any(x => x.ActivityId == a.Id && x.Kind != AlertKind.ActivityOverrun))
            .ToListAsync(cancellationToken);
        return ended.Select(a =>
        {
            var cancelled = a.State == ActivityState.Cancelled;
            var what = $"The {ActivityTypes.Label(a.Type)} of {a.EnvironmentName} ({a.Text})";
            var message = cancelled ? $"{what} was cancelled" : $"{what} failed";
            return (New(a, cancelled ? AlertKind.ActivityCancelled : AlertKind.ActivityFailed, $"activity:{a.Id}",
                a.Reason is null ? message + "." : $"{message}: {a.Reason}", now), (Activity?)a);
        });
    }

    /// <summary>Running activities past twice the median of the environment's last successful ones of their type (and a minimum).</summary>
    private async Task<IEnumerable<(Alert, Activity?)>> OverrunsAsync(PortalDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var running = await db.Activities.AsNoTracking()
            .Where(a => a.State == ActivityState.InProgress && a.StartedAt != null)
            .Where(a => !db.Alerts.Any(x => x.ActivityId == a.Id && x.Kind == AlertKind.ActivityOverrun))
            .ToListAsync(cancellationToken);
        var found = new List<(Alert, Activity?)>();
        foreach (var activity in running)
        {
            var past = await db.Activities.AsNoTracking()
                .Where(a => a.EnvironmentId == activity.EnvironmentId && a.Type == activity.Type && a.State == ActivityState.Complete
                    && a.Result == ActivityResult.Success && a.StartedAt != null && a.CompletedAt != null)
                .OrderByDescending(a => a.Sequence).Take(History)
                .Select(a => new { a.StartedAt, a.CompletedAt })
                .ToListAsync(cancellationToken);
            if (past.Count == 0)
            {
                continue;
            }

            var durations = past.Select(a => a.CompletedAt!.Value - a.StartedAt!.Value).Order().ToList();
            var usual = durations[durations.Count / 2];
            var elapsed = now - activity.StartedAt!.Value;
            if (elapsed > usual * 2 && elapsed - usual >= options.Value.OverrunMinimum)
            {
                found.Add((New(activity, AlertKind.ActivityOverrun, $"overrun:{activity.Id}",
                    $"The {ActivityTypes.Label(activity.Type)} of {activity.EnvironmentName} ({activity.Text}) has been running for "
                    + $"{Words(elapsed)}, more than twice the usual {Words(usual)}.", now), activity));
            }
        }

        return found;
    }

    /// <summary>Scheduled runs that came and went without a restorable snapshot since, one open alert per environment at a time.</summary>
    private async Task<IReadOnlyList<Alert>> MissedRunsAsync(PortalDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var projectZones = await db.Projects.AsNoTracking().Select(p => new { p.Id, p.TimeZone }).ToListAsync(cancellationToken);
        var ids = projectZones.Select(p => p.Id).ToList();
        var scheduled = await schedules.ListAsync(ids, cancellationToken);
        if (scheduled.Count == 0)
        {
            return [];
        }

        var lastSnapshots = await snapshots.LastSnapshotTimesAsync(ids, cancellationToken);
        var alreadyOpen = (await db.Alerts.AsNoTracking().Where(a => a.Kind == AlertKind.ScheduleMissed && a.ClosedAt == null)
            .Select(a => a.EnvironmentId).ToListAsync(cancellationToken)).ToHashSet();
        var environmentIds = scheduled.Keys.ToList();
        var names = await db.Environments.AsNoTracking().Where(e => environmentIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Name, cancellationToken);
        var found = new List<Alert>();
        foreach (var (environmentId, schedule) in scheduled)
        {
            var zone = ScheduleRules.FindZone(projectZones.FirstOrDefault(p => p.Id == schedule.ProjectId)?.TimeZone) ?? TimeZoneInfo.Utc;
            var state = ScheduleState.Of(schedule, zone, lastSnapshots.TryGetValue(environmentId, out var last) ? last : null, now);
            if (state?.MissedRunAt is not { } due || alreadyOpen.Contains(environmentId) || !names.TryGetValue(environmentId, out var name))
            {
                continue;
            }

            var local = TimeZoneInfo.ConvertTime(due, zone);
            found.Add(new Alert
            {
                ProjectId = schedule.ProjectId, EnvironmentId = environmentId, EnvironmentName = name, Kind = AlertKind.ScheduleMissed,
                Key = $"missed:{environmentId:N}:{due.UtcTicks.ToString(CultureInfo.InvariantCulture)}",
                Message = $"The scheduled snapshot of {name} due {local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} ({zone.Id}) "
                    + $"did not happen: there is no snapshot since.",
                RaisedAt = now,
            });
        }

        return found;
    }

    /// <summary>Closes failures a later success of the same type made good, overruns whose activity ended, and missed runs caught up on.</summary>
    private async Task CloseFinishedAsync(PortalDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var open = await db.Alerts.Where(a => a.ClosedAt == null).ToListAsync(cancellationToken);
        if (open.Count == 0)
        {
            return;
        }

        var activityIds = open.Where(a => a.ActivityId != null).Select(a => a.ActivityId!).ToList();
        var activities = await db.Activities.AsNoTracking().Where(a => activityIds.Contains(a.Id))
            .Select(a => new { a.Id, a.EnvironmentId, a.Type, a.Sequence, a.State }).ToDictionaryAsync(a => a.Id, cancellationToken);
        // One query for every open failure, not one each: a failure is made good by a success of its type after it.
        var environmentIds = activities.Values.Select(a => a.EnvironmentId).Distinct().ToList();
        var lastSuccesses = environmentIds.Count == 0 ? [] : (await db.Activities.AsNoTracking()
            .Where(a => environmentIds.Contains(a.EnvironmentId) && a.State == ActivityState.Complete && a.Result == ActivityResult.Success)
            .GroupBy(a => new { a.EnvironmentId, a.Type })
            .Select(g => new { g.Key.EnvironmentId, g.Key.Type, Sequence = g.Max(a => a.Sequence) })
            .ToListAsync(cancellationToken)).ToDictionary(s => (s.EnvironmentId, s.Type), s => s.Sequence);
        var projectIds = open.Select(a => a.ProjectId).Distinct().ToList();
        var lastSnapshots = await snapshots.LastSnapshotTimesAsync(projectIds, cancellationToken);
        var scheduled = await schedules.ListAsync(projectIds, cancellationToken);
        foreach (var alert in open)
        {
            string? because = null;
            if (alert.Kind == AlertKind.ScheduleMissed)
            {
                because = !scheduled.ContainsKey(alert.EnvironmentId) ? "the schedule was removed"
                    : lastSnapshots.TryGetValue(alert.EnvironmentId, out var last) && last >= MissedRunOf(alert) ? "a snapshot was taken since" : null;
            }
            else if (alert.ActivityId is not null && activities.TryGetValue(alert.ActivityId, out var activity))
            {
                if (alert.Kind == AlertKind.ActivityOverrun)
                {
                    because = activity.State == ActivityState.InProgress ? null : "the activity ended";
                }
                else if (lastSuccesses.TryGetValue((activity.EnvironmentId, activity.Type), out var success) && success > activity.Sequence)
                {
                    because = $"a later {ActivityTypes.Label(activity.Type)} succeeded";
                }
            }

            if (because is not null)
            {
                alert.ClosedAt = now;
                alert.ClosedBecause = because;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The scheduled instant a missed-run alert was raised for, kept in its key.</summary>
    private static DateTimeOffset MissedRunOf(Alert alert) =>
        new(long.Parse(alert.Key.AsSpan(alert.Key.LastIndexOf(':') + 1), CultureInfo.InvariantCulture), TimeSpan.Zero);

    private void AddDeliveries(PortalDbContext db, Alert alert, Activity? activity, DateTimeOffset now)
    {
        var project = projects.Value.Items.FirstOrDefault(p => p.Id == alert.ProjectId);
        // Recipients are declared apart from the server: without a host nothing could send to them, so nothing is recorded as owed.
        var recipients = options.Value.Smtp.Enabled ? project?.AlertEmails ?? [] : [];
        if (project is null || project.Webhooks.Count == 0 && recipients.Count == 0)
        {
            return;
        }

        var payload = JsonSerializer.Serialize(new AlertPayload(alert.Event, alert.ProjectId, alert.EnvironmentName,
            new AlertBody(alert.Id.ToString("N"), alert.Message, alert.RaisedAt),
            activity is null ? null : new AlertActivity(activity.Id, activity.Type, activity.Text, Result(activity), activity.Reason,
                activity.CreatedAt, activity.StartedAt, activity.CompletedAt)), ApiJson.Options);
        var receivers = project.Webhooks.Select(h => (Channel: DeliveryChannel.Webhook, Target: h.Url))
            .Concat(recipients.Select(address => (Channel: DeliveryChannel.Email, Target: address)));
        foreach (var (channel, target) in receivers)
        {
            db.AlertDeliveries.Add(new AlertDelivery
            {
                AlertId = alert.Id, ProjectId = alert.ProjectId, Channel = channel, Target = target, ActivityId = alert.ActivityId,
                Event = alert.Event, Payload = payload, CreatedAt = now, NextAttemptAt = now,
            });
        }
    }

    private static string Result(Activity activity) => activity.State switch
    {
        ActivityState.Cancelled => "cancelled",
        ActivityState.Complete => activity.Result == ActivityResult.Success ? "success" : "failure",
        _ => "running",
    };

    private static Alert New(Activity activity, AlertKind kind, string key, string message, DateTimeOffset now) => new()
    {
        ProjectId = activity.ProjectId, EnvironmentId = activity.EnvironmentId, EnvironmentName = activity.EnvironmentName, Kind = kind,
        Key = key, ActivityId = activity.Id, Message = TextCut.Fit(message, 2000), RaisedAt = now,
    };

    /// <summary>"3 min", "1 h 20 min", "45 s": how long, for a sentence.</summary>
    internal static string Words(TimeSpan span) => span.TotalMinutes < 1 ? $"{Math.Max(1, (int)span.TotalSeconds)} s"
        : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min"
        : span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min";

    private sealed record AlertPayload(string Event, string Project, string Environment, AlertBody Alert, AlertActivity? Activity);

    private sealed record AlertBody(string Id, string Message, DateTimeOffset RaisedAt);

    private sealed record AlertActivity(
        string Id, string Type, string Text, string Result, string? Reason, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt);
}
