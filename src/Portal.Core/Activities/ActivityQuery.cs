namespace Portal.Core.Activities;

using System.Globalization;

/// <summary>A position in the feed (newest first): the last entry of the previous page.</summary>
public readonly record struct ActivityCursor(DateTimeOffset CreatedAt, long Sequence)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{CreatedAt.UtcTicks}.{Sequence}");

    public static bool TryParse(string? text, out ActivityCursor cursor)
    {
        cursor = default;
        var parts = text?.Split('.') ?? [];
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            && ticks is >= 0 and <= 3155378975999999999)
        {
            cursor = new ActivityCursor(new DateTimeOffset(ticks, TimeSpan.Zero), sequence);
            return true;
        }

        return false;
    }

    public static ActivityCursor Of(Activity activity) => new(activity.CreatedAt, activity.Sequence);
}

public sealed record ActivityQuery
{
    public const int MaxPageSize = 100;

    /// <summary>What a page size out of range (or not a number, for the API's <c>limit</c>) is refused with.</summary>
    public static readonly string PageSizeRule = $"'limit' must be a whole number from 1 to {MaxPageSize}.";

    public required string ProjectId { get; init; }

    /// <summary>Null for the whole project.</summary>
    public string? EnvironmentName { get; init; }
    public IReadOnlyCollection<string> Types { get; init; } = [];
    public IReadOnlyCollection<ActivityState> States { get; init; } = [];
    public IReadOnlyCollection<ActivityResult> Results { get; init; } = [];
    public ActivityCursor? After { get; init; }
    public int PageSize { get; init; } = 20;
}

public sealed record ActivityPage(IReadOnlyList<Activity> Items, ActivityCursor? Next);
