namespace Portal.Core.Tests.Activities;

using Portal.Core.Activities;
using Portal.Core.Common;

public sealed class ActivityReportTests
{
    [Theory]
    [InlineData(ActivityTypes.Push, true)]
    [InlineData(ActivityTypes.Branch, true)]
    [InlineData(ActivityTypes.Merge, true)]
    [InlineData(ActivityTypes.Sync, true)]
    [InlineData(ActivityTypes.Redeploy, true)]
    [InlineData(ActivityTypes.Cron, true)]
    [InlineData(ActivityTypes.Variable, true)]
    [InlineData(ActivityTypes.Snapshot, false)]
    [InlineData(ActivityTypes.Restore, false)]
    [InlineData(ActivityTypes.SnapshotDelete, false)]
    [InlineData(ActivityTypes.SnapshotVerify, false)]
    [InlineData(ActivityTypes.AccessChange, false)]
    public void Only_what_happens_outside_Portal_may_be_reported(string type, bool reportable) =>
        Assert.Equal(reportable, ActivityTypes.IsReportable(type));

    [Fact]
    public void Every_type_is_either_reportable_or_Portal_s_own()
    {
        var own = new[] { ActivityTypes.Snapshot, ActivityTypes.Restore, ActivityTypes.SnapshotDelete, ActivityTypes.SnapshotVerify, ActivityTypes.SnapshotPin, ActivityTypes.SnapshotUnpin, ActivityTypes.AccessChange };
        Assert.Equal(ActivityTypes.All.Order(StringComparer.Ordinal), ActivityTypes.Reportable.Concat(own).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_reported_entry_keeps_who_reported_it_and_through_what()
    {
        var report = new ActivityReport { ReportedBy = "Bob", ReportedVia = ActivityReport.ViaApi };

        var read = ActivityReport.Of(Activity(ActivityTypes.Push, report.ToJson()));

        Assert.Equal(report, read);
    }

    [Theory]
    [InlineData(ActivityTypes.Push, null)]
    [InlineData(ActivityTypes.Push, "not json")]
    [InlineData(ActivityTypes.Push, "{\"live\":true}")]
    [InlineData(ActivityTypes.AccessChange, "{\"reportedBy\":\"Bob\",\"reportedVia\":\"api\"}")]
    [InlineData(ActivityTypes.Snapshot, "{\"reportedBy\":\"Bob\",\"reportedVia\":\"api\"}")]
    public void Portal_s_own_entries_and_its_own_history_claim_no_reporter(string type, string? payload) =>
        Assert.Null(ActivityReport.Of(Activity(type, payload)));

    [Theory]
    [InlineData("demo-shop", 64, true)]
    [InlineData("Develop branch/feature é", 128, true)]
    [InlineData("", 64, false)]
    [InlineData("demo\0shop", 64, false)]
    [InlineData("master\nadmin", 128, false)]
    public void Names_that_could_not_be_stored_are_not_looked_up(string name, int maxLength, bool plausible) =>
        Assert.Equal(plausible, PortalIds.IsPlausibleName(name, maxLength));

    [Fact]
    public void A_name_longer_than_its_column_is_not_plausible_and_is_quoted_cut_short()
    {
        var name = new string('a', 65);

        Assert.False(PortalIds.IsPlausibleName(name, 64));
        Assert.Equal($"'{new string('a', 60)}…'", Refusal.Quote(name));
        Assert.Equal("'demo-shop'", Refusal.Quote("demo-shop"));
    }

    private static Activity Activity(string type, string? payload) => new()
    {
        Id = "a1",
        ProjectId = "p",
        EnvironmentName = "develop-branch",
        Type = type,
        Text = "Bob pushed 2 commits",
        InitiatedBy = "bob",
        Payload = payload,
    };
}
