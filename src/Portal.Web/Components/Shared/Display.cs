namespace Portal.Web.Components.Shared;

using System.Globalization;
using Portal.Contracts;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

/// <summary>How the pane writes times, sizes and durations: one place so every component says them the same way.</summary>
public static class Display
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    /// <summary>The user's local time ("2026-11-26 09:41"); the browser's zone when known, else the server's.</summary>
    public static string Local(DateTimeOffset value, TimeZoneInfo? zone) =>
        TimeZoneInfo.ConvertTime(value, zone ?? TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm", Culture);

    public static string LocalSeconds(DateTimeOffset value, TimeZoneInfo? zone) =>
        TimeZoneInfo.ConvertTime(value, zone ?? TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm:ss", Culture);

    /// <summary>Why Portal set the environment's status: "Paused: finishing an interrupted restore."</summary>
    public static string StatusReason(EnvironmentStatus status, string reason) =>
        status == EnvironmentStatus.Dirty
            ? $"Needs attention: {reason}."
            : $"{char.ToUpperInvariant(status.ToApiName()[0])}{status.ToApiName()[1..]}: {reason}.";

    /// <summary>"through the API" for an activity someone reported over the REST API (or the CLI, which uses it).</summary>
    public static string ReportedVia(ActivityReport report) =>
        report.ReportedVia == ActivityReport.ViaApi ? "through the API" : $"through {report.ReportedVia}";

    public static string Warnings(int count) => count == 1 ? "1 warning" : $"{count} warnings";

    public static string Utc(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Culture);

    /// <summary>"just now", "5 minutes ago", "2 days ago", or "in 3 days" for the future.</summary>
    public static string Relative(DateTimeOffset value, DateTimeOffset now)
    {
        var span = now - value;
        var future = span < TimeSpan.Zero;
        var text = Amount(future ? -span : span);
        return text is null ? "just now" : future ? $"in {text}" : $"{text} ago";
    }

    /// <summary>"42 s", "3 min 5 s", "1 h 2 min".</summary>
    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: < 60 } => $"{Math.Max(0, (int)span.TotalSeconds)} s",
        { TotalMinutes: < 60 } => $"{(int)span.TotalMinutes} min {span.Seconds} s",
        _ => $"{(int)span.TotalHours} h {span.Minutes} min",
    };

    public static string Size(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : value.ToString(value < 10 ? "0.0" : "0", Culture) + " " + units[unit];
    }

    /// <summary>A plain estimate from the snapshot's size; the engine's real speed varies with disks and compression.</summary>
    public static string RestoreEstimate(RestoreEstimate estimate)
    {
        var duration = estimate.Duration;
        var text = duration.TotalMinutes < 1 ? "under a minute"
            : duration.TotalHours < 2 ? $"about {Math.Ceiling(duration.TotalMinutes)} minutes"
            : $"about {duration.TotalHours:0.#} hours";
        return estimate.FromHistory
            ? $"{text} (from the last {estimate.FromRestores} restore{(estimate.FromRestores == 1 ? "" : "s")} here)"
            : $"{text} (typical rate; no restore has run here yet)";
    }

    public static string Expiry(DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var left = expiresAt - now;
        return left.TotalDays >= 1
            ? $"expires in {(int)left.TotalDays} day{((int)left.TotalDays == 1 ? "" : "s")}"
            : $"expires in {Math.Max(1, (int)left.TotalHours)} hour{((int)left.TotalHours == 1 ? "" : "s")}";
    }

    public static string StateLabel(ActivityState state) => state switch
    {
        ActivityState.InProgress => "in progress",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>The URL form of a state ("in_progress"), as the REST API writes it.</summary>
    public static string StateQuery(ActivityState state) => state == ActivityState.InProgress ? "in_progress" : state.ToString().ToLowerInvariant();

    public static string TypeAndPlan(ProjectEnvironment environment) =>
        $"{environment.Type.ToApiName()} · {environment.Plan}";

    public static string KindLabel(ServiceKind kind) => kind switch
    {
        ServiceKind.Sqlite => "SQLite",
        ServiceKind.MySql => "MySQL",
        ServiceKind.PostgreSql => "PostgreSQL",
        _ => kind.ToString(),
    };

    /// <summary>Databases and stores first, then mounts, each by name: the same order wherever services are listed.</summary>
    public static IEnumerable<EnvironmentService> InOrder(IEnumerable<EnvironmentService> services) =>
        services.OrderBy(s => s.Kind == ServiceKind.Mount).ThenBy(s => s.Name, StringComparer.Ordinal);

    private static string? Amount(TimeSpan span) => span switch
    {
        { TotalSeconds: < 45 } => null,
        { TotalMinutes: < 60 } => Plural(Math.Max(1, (int)Math.Round(span.TotalMinutes)), "minute"),
        { TotalHours: < 24 } => Plural((int)span.TotalHours, "hour"),
        _ => Plural((int)span.TotalDays, "day"),
    };

    private static string Plural(int count, string unit) => $"{count} {unit}{(count == 1 ? "" : "s")}";
}
