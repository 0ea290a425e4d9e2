namespace Portal.Infrastructure.LiveUpdates;

using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Portal.Core.Common;

/// <summary>How activity updates travel between nodes over PostgreSQL LISTEN/NOTIFY (unused with SQLite).</summary>
public sealed class LiveUpdateOptions
{
    public const string Section = "LiveUpdates";

    /// <summary>The NOTIFY channel every node of one Portal database listens on; cancel requests use it with "_stop" and "_stopping" added.</summary>
    public string Channel { get; set; } = "portal_activity";

    /// <summary>A node sends what it has queued at most this often; progress of an activity within one interval is sent once.</summary>
    public int NotifyMilliseconds { get; set; } = 250;

    /// <summary>A longer log line reaches other nodes cut to this many UTF-8 bytes (the stored log keeps it whole).</summary>
    public int MaxLogLineBytes { get; set; } = 2000;

    /// <summary>The longest wait between attempts to listen again after the connection dropped.</summary>
    public int MaxReconnectMilliseconds { get; set; } = 30_000;
}

internal sealed partial class LiveUpdateOptionsValidator : IValidateOptions<LiveUpdateOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveUpdateOptions options)
    {
        var problems = new SettingProblems();
        const string At = LiveUpdateOptions.Section + ":";
        if (!Identifier().IsMatch(options.Channel ?? ""))
        {
            problems.Add(At + nameof(options.Channel), $"must be a lowercase PostgreSQL identifier of letters, digits and _, at most 54 long (got {options.Channel})");
        }

        problems.Range(At + nameof(options.NotifyMilliseconds), options.NotifyMilliseconds, 10, 10_000);
        problems.Range(At + nameof(options.MaxLogLineBytes), options.MaxLogLineBytes, 200, ActivityNotifications.MaxLogLineBytes);
        problems.Range(At + nameof(options.MaxReconnectMilliseconds), options.MaxReconnectMilliseconds, 100, 600_000);
        return problems.Result;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,53}$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
