namespace Portal.Core.Schedules;

/// <summary>One run of a schedule: the instant it was due, and how many earlier runs it stands for (missed while Portal was down).</summary>
public sealed record ScheduledRun(Guid ScheduleId, DateTimeOffset Due, int Missed)
{
    /// <summary>The same for the same run, however often it is asked for.</summary>
    public string Key => $"schedule/{ScheduleId:N}/{Due.UtcTicks}";

    /// <summary>The activity log's first line: which run this is, and the runs it stands for.</summary>
    public string Note => $"scheduled run due {Due.UtcDateTime:yyyy-MM-dd HH:mm} UTC" + (Missed == 0 ? ""
        : $"; {Missed} earlier run{(Missed == 1 ? " was" : "s were")} missed while Portal was not running, and this one snapshot stands for {(Missed == 1 ? "it" : "them")}");
}
