namespace Portal.Infrastructure.Tests.LiveUpdates;

using System.Text;
using Portal.Core.Activities;
using Portal.Infrastructure.LiveUpdates;

/// <summary>The payloads alone: packed, in order, always under PostgreSQL's 8000-byte NOTIFY limit; settings checked.</summary>
public sealed class ActivityNotificationsTests
{
    [Fact]
    public void Many_long_updates_pack_into_payloads_under_the_limit_in_order()
    {
        var updates = Enumerable.Range(0, 300).Select(i => new ActivityUpdate($"act-{i}", "demo", Guid.NewGuid(), ActivityTypes.Snapshot,
            ActivityState.InProgress, null, i % 100, new string('m', 900), null, LogLine: $"[00:00:00] {i} " + new string('\u0001', 3_000), LogIndex: i)).ToList();

        var payloads = ActivityNotifications.Encode("node-1", updates, resync: false, maxLogLineBytes: ActivityNotifications.MaxLogLineBytes);

        Assert.True(payloads.Count > 1);
        Assert.All(payloads, p => Assert.InRange(Encoding.UTF8.GetByteCount(p), 1, 7_999));
        var decoded = payloads.Select(ActivityNotifications.Decode).ToList();
        Assert.All(decoded, d => Assert.Equal("node-1", d.Node));
        Assert.Equal(updates.Select(u => u.LogIndex), decoded.SelectMany(d => d.Updates).Select(u => u.LogIndex));
        Assert.All(decoded.SelectMany(d => d.Updates), u => Assert.EndsWith(ActivityNotifications.CutMark, u.LogLine, StringComparison.Ordinal));
    }

    [Fact]
    public void A_resync_with_nothing_else_to_say_is_one_payload()
    {
        var payload = Assert.Single(ActivityNotifications.Encode("node-1", [], resync: true, maxLogLineBytes: 2000));

        var decoded = ActivityNotifications.Decode(payload);
        Assert.True(decoded.Resync);
        Assert.Empty(decoded.Updates);
        Assert.Empty(ActivityNotifications.Encode("node-1", [], resync: false, maxLogLineBytes: 2000));
    }

    [Fact]
    public void A_cut_keeps_whole_characters()
    {
        var cut = ActivityNotifications.Cut(new string('日', 1_000), 300)!;

        Assert.InRange(Encoding.UTF8.GetByteCount(cut), 250, 300);
        Assert.DoesNotContain('\uFFFD', cut);
        Assert.Equal("short", ActivityNotifications.Cut("short", 300));
    }

    [Fact]
    public void Settings_out_of_range_or_a_channel_that_is_no_identifier_refuse_to_start_naming_the_setting()
    {
        var result = new LiveUpdateOptionsValidator().Validate(null, new LiveUpdateOptions { Channel = "bad; DROP", NotifyMilliseconds = 0, MaxLogLineBytes = 9_000 });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("LiveUpdates:Channel", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("LiveUpdates:NotifyMilliseconds", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("LiveUpdates:MaxLogLineBytes", StringComparison.Ordinal));
        Assert.True(new LiveUpdateOptionsValidator().Validate(null, new LiveUpdateOptions()).Succeeded);
    }
}
