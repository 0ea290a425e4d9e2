namespace Portal.Infrastructure.Alerts;

using Microsoft.Extensions.Options;
using Portal.Core.Common;

/// <summary>When alerts are raised and how they reach the projects' webhooks (declared per project under <c>Projects:N:Webhooks</c>).</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Pending deliveries are looked for this often.</summary>
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Tries per delivery before it is marked failed.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait after the first failed try; it doubles after each one, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one try may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Activities that ended this long ago or less raise alerts: a Portal that was down catches up on them, no older.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>An activity past twice its usual duration raises an alert only once it is also this much over it: seconds are no news.</summary>
    public TimeSpan OverrunMinimum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The wait before try number <paramref name="attempt"/> + 1, after <paramref name="attempt"/> failed ones.</summary>
    public TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, InitialDelay.Ticks * (1L << Math.Min(attempt - 1, 30))));
}

internal sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        var problems = new SettingProblems();
        const string At = AlertOptions.Section + ":";
        problems.Between(At + nameof(options.DispatchInterval), options.DispatchInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        problems.Range(At + nameof(options.MaxAttempts), options.MaxAttempts, 1, 100);
        problems.Between(At + nameof(options.InitialDelay), options.InitialDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        problems.Between(At + nameof(options.MaxDelay), options.MaxDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1));
        problems.Between(At + nameof(options.Timeout), options.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        problems.Between(At + nameof(options.OverrunMinimum), options.OverrunMinimum, TimeSpan.Zero, TimeSpan.FromDays(1));
        problems.Between(At + nameof(options.Lookback), options.Lookback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        return problems.Result;
    }
}
