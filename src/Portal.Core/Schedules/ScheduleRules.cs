namespace Portal.Core.Schedules;

using System.Globalization;
using Cronos;
using Portal.Core.Common;

/// <summary>What a schedule may say and when it fires: cron expressions (Cronos, five fields) in the project's time zone.</summary>
public static class ScheduleRules
{
    public const int MaxCronLength = 100;

    /// <summary>How many next runs the editor and the API show.</summary>
    public const int RunsShown = 5;

    /// <summary>Snapshots at most hourly: more often would fill the store and the queue faster than retention frees them.</summary>
    public static readonly TimeSpan ShortestInterval = TimeSpan.FromHours(1);

    // Enough consecutive runs to meet every pattern's shortest gap within a few days (e.g. "*/10 1 * * *").
    private const int RunsChecked = 200;

    /// <summary>The expression, or a refusal that says what is wrong with it.</summary>
    public static (CronExpression? Cron, Refusal? Problem) Parse(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return (null, Invalid("A schedule needs a cron expression, e.g. '0 2 * * *' for every day at 02:00."));
        }

        if (trimmed.Length > MaxCronLength || trimmed.Any(char.IsControl))
        {
            return (null, Invalid($"The cron expression {Refusal.Quote(trimmed)} is not valid: at most {MaxCronLength} printable characters."));
        }

        if (trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5)
        {
            return (null, Invalid($"The cron expression {Refusal.Quote(trimmed)} needs five fields: minute hour day-of-month month day-of-week."));
        }

        try
        {
            var cron = CronExpression.Parse(trimmed, CronFormat.Standard);
            return (cron, null);
        }
        catch (CronFormatException ex)
        {
            return (null, Invalid($"The cron expression {Refusal.Quote(trimmed)} is not valid: {ex.Message.TrimEnd('.')}."));
        }
    }

    /// <summary>Parses and checks the expression fires, and at most hourly, in this zone.</summary>
    public static (CronExpression? Cron, Refusal? Problem) Check(string? text, TimeZoneInfo zone, DateTimeOffset now)
    {
        var (cron, problem) = Parse(text);
        if (cron is null)
        {
            return (null, problem);
        }

        var runs = cron.GetOccurrences(now, now.AddYears(5), zone, fromInclusive: false).Take(RunsChecked).ToList();
        if (runs.Count == 0)
        {
            return (null, Invalid($"The cron expression {Refusal.Quote(text!.Trim())} never fires in the next five years."));
        }

        var shortest = runs.Zip(runs.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        if (shortest < ShortestInterval)
        {
            return (null, Invalid($"The cron expression {Refusal.Quote(text!.Trim())} fires every {Minutes(shortest)}; snapshots can be scheduled at most once an hour."));
        }

        return (cron, null);
    }

    /// <summary>The zone for an IANA id (as declared on a project), or null when this machine does not know it.</summary>
    public static TimeZoneInfo? FindZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    /// <summary>The next runs strictly after <paramref name="after"/>.</summary>
    public static IReadOnlyList<DateTimeOffset> NextRuns(CronExpression cron, TimeZoneInfo zone, DateTimeOffset after, int count = RunsShown) =>
        [.. cron.GetOccurrences(after, after.AddYears(5), zone, fromInclusive: false).Take(count)];

    /// <summary>
    /// The runs due in (<paramref name="after"/>, <paramref name="now"/>]: how many, and the newest. Portal takes one snapshot for
    /// all of them, so runs missed while it was down collapse into one.
    /// </summary>
    public static (int Count, DateTimeOffset? Newest) Due(CronExpression cron, TimeZoneInfo zone, DateTimeOffset after, DateTimeOffset now)
    {
        if (now <= after)
        {
            return (0, null);
        }

        var count = 0;
        DateTimeOffset? newest = null;
        foreach (var run in cron.GetOccurrences(after, now, zone, fromInclusive: false, toInclusive: true))
        {
            count++;
            newest = run;
        }

        return (count, newest);
    }

    /// <summary>A run in words, in the zone and relative to now: "Friday 4 December 2026 at 02:00 (UTC+01:00), in 16 hours".</summary>
    public static string InWords(DateTimeOffset run, TimeZoneInfo zone, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(run, zone);
        var offset = local.Offset == TimeSpan.Zero ? "UTC" : $"UTC{(local.Offset < TimeSpan.Zero ? "-" : "+")}{local.Offset:hh\\:mm}";
        return string.Create(CultureInfo.InvariantCulture, $"{local:dddd d MMMM yyyy} at {local:HH:mm} ({offset}), {Relative(run - now)}");
    }

    private static string Relative(TimeSpan ahead) => ahead switch
    {
        { TotalMinutes: < 1 } => "in less than a minute",
        { TotalHours: < 1 } => $"in {Plural((int)ahead.TotalMinutes, "minute")}",
        { TotalDays: < 2 } => $"in {Plural((int)Math.Round(ahead.TotalHours), "hour")}",
        _ => $"in {Plural((int)Math.Round(ahead.TotalDays), "day")}",
    };

    private static string Minutes(TimeSpan gap) => gap.TotalMinutes < 1 ? "few seconds" : Plural((int)gap.TotalMinutes, "minute");

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";

    private static Refusal Invalid(string message) => new(RefusalCode.InvalidInput, message);
}
