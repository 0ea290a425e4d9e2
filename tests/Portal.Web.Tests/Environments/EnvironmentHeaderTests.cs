namespace Portal.Web.Tests.Environments;

using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Infrastructure.Demo;
using Portal.Web.Components.Environments;
using Portal.Web.Tests.Support;

/// <summary>The top pane follows the status an activity gives its environment, live, and the Snapshots button follows SnapshotRules.</summary>
public sealed class EnvironmentHeaderTests : PortalComponentTest
{
    [Fact]
    public async Task Status_turns_paused_during_a_safe_snapshot_and_active_again_without_a_reload_and_Snapshots_stays_enabled()
    {
        var view = await EnvironmentAsync("develop-branch");
        var header = RenderHeader(view);
        Assert.Equal("active", StatusShown(header));

        await SetEnvironmentStatusAsync("develop-branch", EnvironmentStatus.Paused);
        Events.Publish(StatusChange(view.Environment, EnvironmentStatus.Paused));

        header.WaitForAssertion(() => Assert.Equal("paused", StatusShown(header)));
        // SnapshotRules refuse only inactive environments: a paused one still takes snapshots (they wait their turn).
        Assert.Null(SnapshotsRefusal(header));

        await SetEnvironmentStatusAsync("develop-branch", EnvironmentStatus.Active);
        Events.Publish(StatusChange(view.Environment, EnvironmentStatus.Active));

        header.WaitForAssertion(() => Assert.Equal("active", StatusShown(header)));
    }

    [Theory]
    [InlineData(DemoSeeder.ViewerUserId, EnvironmentStatus.Paused,
        "You need the Admin role on development environments to create snapshots; your role there is viewer.")]
    [InlineData(DemoSeeder.AdminUserId, EnvironmentStatus.Inactive,
        "Snapshots are not available on inactive environments: activate develop-branch first.")]
    public async Task The_Snapshots_button_reason_follows_the_rules_for_the_live_status(string userId, EnvironmentStatus status, string reason)
    {
        SignInAs(userId, userId);
        var view = await EnvironmentAsync("develop-branch");
        var header = RenderHeader(view);

        Events.Publish(StatusChange(view.Environment, status));

        header.WaitForAssertion(() => Assert.Equal(status.ToApiName(), StatusShown(header)));
        Assert.Equal(reason, SnapshotsRefusal(header));
    }

    [Fact]
    public async Task An_environment_that_needs_attention_says_why_live_and_the_alert_goes_once_it_is_active_again()
    {
        var view = await EnvironmentAsync("develop-branch");
        var header = RenderHeader(view);
        Assert.Empty(header.FindAll("[data-testid=status-reason]"));
        const string reason = "the restore of snapshot abc stopped part-way (boom) and there is no safety snapshot to put back; "
            + "restore a snapshot to make develop-branch whole again";

        Events.Publish(StatusChange(view.Environment, EnvironmentStatus.Dirty) with { EnvironmentStatusReason = reason });

        header.WaitForAssertion(() => Assert.Equal($"Needs attention: {reason}.", header.Find("[data-testid=status-reason]").TextContent.Trim()));
        Events.Publish(StatusChange(view.Environment, EnvironmentStatus.Active));
        header.WaitForAssertion(() => Assert.Empty(header.FindAll("[data-testid=status-reason]")));
    }

    [Fact]
    public async Task A_restore_being_finished_after_a_restart_shows_the_environment_paused_with_the_reason()
    {
        await SetEnvironmentStatusAsync("develop-branch", EnvironmentStatus.Paused, "finishing an interrupted restore");

        var header = RenderHeader(await EnvironmentAsync("develop-branch"));

        Assert.Equal("paused", StatusShown(header));
        Assert.Equal("Paused: finishing an interrupted restore.", header.Find("[data-testid=status-reason]").TextContent.Trim());
    }

    [Fact]
    public async Task Updates_for_other_environments_or_without_a_status_leave_the_pane_as_it_is()
    {
        var view = await EnvironmentAsync("develop-branch");
        var header = RenderHeader(view);

        Events.Publish(StatusChange(view.Environment, null));
        Events.Publish(StatusChange((await EnvironmentAsync("integration")).Environment, EnvironmentStatus.Paused));
        Events.Publish(StatusChange(view.Environment, EnvironmentStatus.Paused) with { ProjectId = "another-project" });

        Assert.Equal("active", StatusShown(header));
    }

    [Fact]
    public async Task A_view_the_page_reloads_replaces_the_status_heard_live()
    {
        var view = await EnvironmentAsync("develop-branch");
        var header = RenderHeader(view);
        Events.Publish(StatusChange(view.Environment, EnvironmentStatus.Paused));
        header.WaitForAssertion(() => Assert.Equal("paused", StatusShown(header)));

        header.Render(p => p.Add(x => x.View, view));
        Assert.Equal("paused", StatusShown(header));

        var reloaded = await EnvironmentAsync("develop-branch");
        header.Render(p => p.Add(x => x.View, reloaded));
        Assert.Equal("active", StatusShown(header));
    }

    [Fact]
    public async Task The_top_pane_stops_listening_for_activity_updates_once_disposed()
    {
        var events = new CountingActivityEvents();
        Services.AddSingleton<IActivityEvents>(events);
        var view = await EnvironmentAsync("develop-branch");
        RenderHeader(view);
        Assert.Equal(1, events.Subscribers);

        await DisposeComponentsAsync();

        Assert.Equal(0, events.Subscribers);
    }

    private IRenderedComponent<EnvironmentHeader> RenderHeader(EnvironmentView view) =>
        Render<EnvironmentHeader>(p => p.Add(x => x.View, view).Add(x => x.ProjectId, ProjectId));

    private static string? StatusShown(IRenderedComponent<EnvironmentHeader> header) =>
        header.Find(".portal-dot").GetAttribute("title");

    /// <summary>The reason the Snapshots button gives for being disabled; null when it is enabled.</summary>
    private static string? SnapshotsRefusal(IRenderedComponent<EnvironmentHeader> header)
    {
        var button = header.Find("button:contains('Snapshots')");
        return button.HasAttribute("disabled") ? button.Closest(".portal-guarded")?.GetAttribute("data-reason") : null;
    }
}
