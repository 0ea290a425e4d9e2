namespace Portal.Core.Tests.Activities;

using Portal.Core.Activities;
using Portal.Core.Common;

public sealed class ActivityCursorTests
{
    [Fact]
    public void ACursorSurvivesTheRoundTripThroughText()
    {
        var cursor = new ActivityCursor(new DateTimeOffset(2026, 11, 26, 8, 0, 0, 123, TimeSpan.Zero), 42);

        Assert.True(ActivityCursor.TryParse(cursor.ToString(), out var parsed));
        Assert.Equal(cursor, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("a.b")]
    [InlineData("-1.5")]
    [InlineData("1.2.3")]
    [InlineData("99999999999999999999.1")]
    public void MalformedCursorsAreRejected(string? text) => Assert.False(ActivityCursor.TryParse(text, out _));

    [Fact]
    public void IdsAreShortLowercaseAndDistinct()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => PortalIds.New()).ToList();

        Assert.All(ids, id => Assert.True(PortalIds.IsWellFormed(id) && id.Length == PortalIds.Length, id));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("ABC")]
    [InlineData("a b")]
    [InlineData("")]
    public void IdsFromOutsideAreCheckedBeforeUse(string id) => Assert.False(PortalIds.IsWellFormed(id));

    [Fact]
    public void TypeFiltersAcceptTheLabelOrTheApiName()
    {
        Assert.Equal(ActivityTypes.Snapshot, ActivityTypes.FromLabelOrName("snapshot"));
        Assert.Equal(ActivityTypes.Snapshot, ActivityTypes.FromLabelOrName("environment.backup"));
        Assert.Equal(ActivityTypes.Restore, ActivityTypes.FromLabelOrName("Restore"));
        Assert.Null(ActivityTypes.FromLabelOrName("nonsense"));
    }
}
