namespace Portal.Infrastructure.Tests.Activities;

using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Infrastructure.Activities;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Hosting;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Persistence.Configurations;
using Portal.Infrastructure.Snapshots;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// Two nodes on one real PostgreSQL database (two sets of Portal's services, each with its own clock), claiming, renewing and
/// taking over activities the way several Portal processes do (docs/adr/0009-activities-across-nodes.md).
/// </summary>
public sealed class ActivityLeasesTests
{
    private const string Project = "demo-shop";

    [Fact]
    public async Task Two_claimers_racing_never_claim_one_activity_twice_and_keep_each_environment_first_in_first_out_one_at_a_time()
    {
        await using var cluster = await Cluster.StartAsync();
        var environments = await cluster.ActiveEnvironmentsAsync();
        var queued = new List<Activity>();
        for (var i = 0; i < 10; i++)
        {
            foreach (var environment in environments)
            {
                queued.Add(await cluster.EnqueueAsync(cluster.A, environment));
            }
        }

        var claims = new ConcurrentQueue<(string Node, Activity Activity)>();
        var overlaps = new ConcurrentQueue<string>();
        async Task ClaimAllAsync(PortalTestHost node, string name)
        {
            var leases = node.Get<ActivityLeases>();
            while (claims.Count < queued.Count)
            {
                if (await leases.ClaimAsync([], TestContext.Current.CancellationToken) is not { } claimed)
                {
                    await Task.Delay(5, TestContext.Current.CancellationToken);
                    continue;
                }

                claims.Enqueue((name, claimed));
                if (await cluster.RunningCountAsync(claimed.EnvironmentId) != 1)
                {
                    overlaps.Enqueue($"{claimed.EnvironmentName} ran two activities at once when {claimed.Id} was claimed by {name}");
                }

                await Task.Delay(2, TestContext.Current.CancellationToken);
                await cluster.CompleteAsync(claimed);
            }
        }

        await Task.WhenAll(ClaimAllAsync(cluster.A, "a"), ClaimAllAsync(cluster.B, "b"));

        Assert.Empty(overlaps);
        Assert.Equal(queued.Select(a => a.Sequence).Order(), claims.Select(c => c.Activity.Sequence).Order());
        foreach (var perEnvironment in claims.GroupBy(c => c.Activity.EnvironmentId))
        {
            var inClaimOrder = perEnvironment.Select(c => c.Activity.Sequence).ToList();
            Assert.Equal(inClaimOrder.Order(), inClaimOrder);
        }

        // Both nodes took part, so the test raced them rather than one alone.
        Assert.Contains(claims, c => c.Node == "a");
        Assert.Contains(claims, c => c.Node == "b");
    }

    [Fact]
    public async Task A_lease_not_renewed_expires_and_the_other_node_recovers_the_activity_while_an_unexpired_one_is_left_alone()
    {
        await using var cluster = await Cluster.StartAsync();
        var environments = await cluster.ActiveEnvironmentsAsync();
        var dead = await cluster.EnqueueAsync(cluster.A, environments[0]);
        var alive = await cluster.EnqueueAsync(cluster.A, environments[1]);
        var next = await cluster.EnqueueAsync(cluster.A, environments[0]);
        var ct = TestContext.Current.CancellationToken;

        // A claims both; it keeps renewing one of them ("alive") and dies holding the other.
        Assert.Equal(dead.Sequence, (await cluster.A.Get<ActivityLeases>().ClaimAsync([], ct))?.Sequence);
        Assert.Equal(alive.Sequence, (await cluster.A.Get<ActivityLeases>().ClaimAsync([], ct))?.Sequence);
        using var hold = cluster.A.Get<ActivityLeases>().Hold(alive.Sequence);
        var worker = cluster.B.Services.GetServices<IHostedService>().OfType<ActivityWorker>().Single();

        // Before the lease runs out nothing is touched, and the environment's next activity waits its turn.
        cluster.TimeB.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await worker.TakeOverExpiredAsync(starting: true, ct));
        Assert.Null(await cluster.B.Get<ActivityLeases>().ClaimAsync([], ct));

        cluster.TimeA.Advance(TimeSpan.FromSeconds(20));
        await cluster.A.Get<ActivityLeases>().RenewAsync(ct);
        Assert.False(hold.Lost.IsCancellationRequested);

        // Past the dead one's lease, B takes it over and recovers it as a restart would: a snapshot fails as interrupted.
        cluster.TimeB.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await worker.TakeOverExpiredAsync(starting: false, ct));
        var recovered = await cluster.A.ReadActivityAsync(dead.Id);
        Assert.Equal((ActivityState.Complete, ActivityResult.Failure, ActivityWorker.InterruptedReason), (recovered.State, recovered.Result, recovered.Reason));
        Assert.Contains($"Portal node {cluster.A.Get<NodeIdentity>().NodeId} stopped renewing its lease", recovered.Log, StringComparison.Ordinal);
        Assert.Equal(ActivityState.InProgress, (await cluster.A.ReadActivityAsync(alive.Id)).State);
        Assert.Equal(cluster.A.Get<NodeIdentity>().NodeId, await cluster.ClaimedByAsync(alive.Sequence));

        // The environment runs its next activity; the renewing node still holds the other.
        Assert.Equal(next.Sequence, (await cluster.B.Get<ActivityLeases>().ClaimAsync([], ct))?.Sequence);
        await cluster.A.Get<ActivityLeases>().RenewAsync(ct);
        Assert.False(hold.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_node_that_finds_its_lease_taken_over_is_told_to_stop()
    {
        await using var cluster = await Cluster.StartAsync();
        var environments = await cluster.ActiveEnvironmentsAsync();
        var activity = await cluster.EnqueueAsync(cluster.A, environments[0]);
        var ct = TestContext.Current.CancellationToken;
        await cluster.A.Get<ActivityLeases>().ClaimAsync([], ct);
        using var hold = cluster.A.Get<ActivityLeases>().Hold(activity.Sequence);

        // A paused longer than its lease (a stalled process, a lost network) while B took it over.
        cluster.TimeB.Advance(TimeSpan.FromSeconds(31));
        Assert.Single(await cluster.B.Get<ActivityLeases>().TakeOverExpiredAsync(starting: false, [], ct));
        await cluster.A.Get<ActivityLeases>().RenewAsync(ct);

        Assert.True(hold.Lost.IsCancellationRequested);
        Assert.Contains("another node took it over", hold.LostBecause, StringComparison.Ordinal);
        Assert.Equal(cluster.B.Get<NodeIdentity>().NodeId, await cluster.ClaimedByAsync(activity.Sequence));
    }

    [Fact]
    public async Task A_node_claims_only_environments_whose_placement_it_has()
    {
        await using var cluster = await Cluster.StartAsync(bLabels: "eu");
        var environments = await cluster.ActiveEnvironmentsAsync();
        var us = await cluster.EnqueueAsync(cluster.A, environments[0], placement: "us");
        var eu = await cluster.EnqueueAsync(cluster.A, environments[1], placement: "eu");
        var anywhere = await cluster.EnqueueAsync(cluster.A, environments[2]);
        var ct = TestContext.Current.CancellationToken;

        var leases = cluster.B.Get<ActivityLeases>();
        var claimed = new List<long?> { (await leases.ClaimAsync([], ct))?.Sequence, (await leases.ClaimAsync([], ct))?.Sequence };
        Assert.Null(await leases.ClaimAsync([], ct));
        Assert.Equal([eu.Sequence, anywhere.Sequence], claimed);

        // A node labelled "all" (the default) runs every environment.
        Assert.Equal(us.Sequence, (await cluster.A.Get<ActivityLeases>().ClaimAsync([], ct))?.Sequence);
    }

    [Fact]
    public async Task An_activity_is_queued_with_the_placement_its_environment_is_declared_with()
    {
        var media = Directory.CreateTempSubdirectory("portal-placed-").FullName;
        try
        {
            var declared = new Dictionary<string, string?>
            {
                ["Projects:0:Id"] = "placed",
                ["Projects:0:Title"] = "Placed",
                ["Projects:0:Environments:0:Name"] = "eu-shop",
                ["Projects:0:Environments:0:Placement"] = "eu",
                ["Projects:0:Environments:0:Services:0:Name"] = "media",
                ["Projects:0:Environments:0:Services:0:Kind"] = "Mount",
                ["Projects:0:Environments:0:Services:0:Location"] = media,
            };
            await using var cluster = await Cluster.StartAsync(aSettings: declared, bLabels: "us");
            var environment = (await cluster.EnvironmentsAsync("placed")).Single();
            var activity = await cluster.EnqueueAsync(cluster.A, environment);
            var demo = await cluster.EnqueueAsync(cluster.A, (await cluster.ActiveEnvironmentsAsync())[0]);

            Assert.Equal("eu", await cluster.PlacementAsync(activity.Sequence));
            Assert.Equal(LeaseColumns.AnyNode, await cluster.PlacementAsync(demo.Sequence));
            Assert.Equal(demo.Sequence, (await cluster.B.Get<ActivityLeases>().ClaimAsync([], TestContext.Current.CancellationToken))?.Sequence);
            Assert.Null(await cluster.B.Get<ActivityLeases>().ClaimAsync([], TestContext.Current.CancellationToken));

            var blank = new ConfiguredProjects { Items = [new() { Id = "placed", Title = "Placed", Environments = [new() { Name = "eu-shop", Placement = " " }] }] };
            Assert.Contains("Projects:0:Environments:0:Placement must be a label", new ConfiguredProjectsValidator().Validate(null, blank).FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }
    }

    [Theory]
    [InlineData("Activities:NodeLabels", "")]
    [InlineData("Activities:ClaimsEnabled", "false")]
    public async Task A_web_only_node_claims_nothing_and_takes_nothing_over(string key, string value)
    {
        await using var cluster = await Cluster.StartAsync(bSettings: new() { [key] = value });
        var environments = await cluster.ActiveEnvironmentsAsync();
        var ct = TestContext.Current.CancellationToken;
        await cluster.EnqueueAsync(cluster.A, environments[0]);
        await cluster.EnqueueAsync(cluster.A, environments[1]);
        await cluster.A.Get<ActivityLeases>().ClaimAsync([], ct);

        cluster.TimeB.Advance(TimeSpan.FromMinutes(5));
        Assert.False(cluster.B.Get<NodeIdentity>().ClaimsWork);
        Assert.Null(await cluster.B.Get<ActivityLeases>().ClaimAsync([], ct));
        Assert.Empty(await cluster.B.Get<ActivityLeases>().TakeOverExpiredAsync(starting: true, [], ct));
    }

    [Fact]
    public async Task A_singleton_job_runs_on_one_node_at_a_time()
    {
        await using var cluster = await Cluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var inside = new TaskCompletionSource();
        var leave = new TaskCompletionSource();
        var onA = cluster.A.Get<SingletonJobs>().TryRunAsync("sweep", async _ =>
        {
            inside.SetResult();
            await leave.Task;
        }, ct);
        await inside.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);

        var ranOnB = 0;
        Assert.False(await cluster.B.Get<SingletonJobs>().TryRunAsync("sweep", _ => { ranOnB++; return Task.CompletedTask; }, ct));
        Assert.True(await cluster.B.Get<SingletonJobs>().TryRunAsync("another job", _ => Task.CompletedTask, ct));

        leave.SetResult();
        Assert.True(await onA);
        Assert.True(await cluster.B.Get<SingletonJobs>().TryRunAsync("sweep", _ => { ranOnB++; return Task.CompletedTask; }, ct));
        Assert.Equal(1, ranOnB);
    }

    [Fact]
    public async Task The_store_lock_of_one_node_excludes_garbage_collection_on_another()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        var ct = TestContext.Current.CancellationToken;
        var a = new PostgresStoreLock(database.ConnectionString!, "store");
        var b = new PostgresStoreLock(database.ConnectionString!, "store");

        var shared = await a.SharedAsync(ct);
        await using ((await b.SharedAsync(ct)).ConfigureAwait(false))
        {
            // Readers share, on any node.
        }

        var exclusive = b.ExclusiveAsync(ct);
        await Task.Delay(500, ct);
        Assert.False(exclusive.IsCompleted, "an exclusive hold was granted while another node held the store shared");

        // Another store's lock is another lock.
        await using ((await new PostgresStoreLock(database.ConnectionString!, "other store").ExclusiveAsync(ct)).ConfigureAwait(false))
        {
        }

        await shared.DisposeAsync();
        var held = await exclusive.WaitAsync(TimeSpan.FromSeconds(10), ct);
        var reader = a.SharedAsync(ct);
        await Task.Delay(500, ct);
        Assert.False(reader.IsCompleted, "a shared hold was granted while another node collected garbage");
        await held.DisposeAsync();
        await (await reader.WaitAsync(TimeSpan.FromSeconds(10), ct)).DisposeAsync();
    }

    [Fact]
    public void Lease_settings_are_checked_and_default_to_a_node_that_runs_everything()
    {
        var defaults = new ActivityOptions();
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), true), (defaults.LeaseDuration, defaults.RenewalInterval, defaults.ClaimsEnabled));
        Assert.Equal([LeaseColumns.AnyNode], new NodeIdentity(Options.Create(defaults)).Labels);
        Assert.NotEqual(new NodeIdentity(Options.Create(defaults)).NodeId, new NodeIdentity(Options.Create(defaults)).NodeId);

        var validator = new ActivityOptionsValidator();
        var late = validator.Validate(null, new ActivityOptions { LeaseDuration = TimeSpan.FromSeconds(10), LeaseRenewalInterval = TimeSpan.FromSeconds(10) });
        Assert.Contains("Activities:LeaseRenewalInterval must be more than 0 and less than Activities:LeaseDuration", late.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new ActivityOptions { LeaseDuration = TimeSpan.Zero }).Failed);
        Assert.True(validator.Validate(null, new ActivityOptions { NodeLabels = [" "] }).Failed);
        Assert.True(validator.Validate(null, new ActivityOptions { NodeId = "two words" }).Failed);
        Assert.True(validator.Validate(null, new ActivityOptions { NodeLabels = [], NodeId = "web-1" }).Succeeded);
    }

    /// <summary>Two nodes over one throwaway PostgreSQL database, each with its own clock.</summary>
    private sealed class Cluster(TestDatabase database, PortalTestHost a, PortalTestHost b, FakeTimeProvider timeA, FakeTimeProvider timeB) : IAsyncDisposable
    {
        public PortalTestHost A => a;
        public PortalTestHost B => b;
        public FakeTimeProvider TimeA => timeA;
        public FakeTimeProvider TimeB => timeB;

        public static async Task<Cluster> StartAsync(string? bLabels = null, Dictionary<string, string?>? bSettings = null, Dictionary<string, string?>? aSettings = null)
        {
            var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
            var timeA = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var timeB = new FakeTimeProvider(timeA.GetUtcNow());
            var a = await PortalTestHost.StartAsync(database, timeA, mediaFiles: 1, settings: aSettings);
            bSettings ??= [];
            if (bLabels is not null)
            {
                bSettings["Activities:NodeLabels:0"] = bLabels;
            }

            var b = await PortalTestHost.StartAsync(database, timeB, mediaFiles: 1, settings: bSettings);
            return new Cluster(database, a, b, timeA, timeB);
        }

        public Task<List<ProjectEnvironment>> ActiveEnvironmentsAsync() => EnvironmentsAsync(Project);

        public async Task<List<ProjectEnvironment>> EnvironmentsAsync(string project)
        {
            await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
            return await db.Environments.AsNoTracking().Where(e => e.ProjectId == project && e.Status == EnvironmentStatus.Active)
                .OrderBy(e => e.Name).ToListAsync(TestContext.Current.CancellationToken);
        }

        public async Task<string> PlacementAsync(long sequence)
        {
            await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
            return await db.Activities.Where(a => a.Sequence == sequence).Select(a => EF.Property<string>(a, LeaseColumns.Placement))
                .SingleAsync(TestContext.Current.CancellationToken);
        }

        public async Task<Activity> EnqueueAsync(PortalTestHost node, ProjectEnvironment environment, string? placement = null)
        {
            var activity = new Activity
            {
                Id = Guid.NewGuid().ToString("N")[..12], ProjectId = environment.ProjectId, EnvironmentId = environment.Id, EnvironmentName = environment.Name,
                Type = ActivityTypes.Snapshot, CreatedAt = DateTimeOffset.UtcNow, Text = "a test activity", InitiatedBy = "test",
            };
            await node.Get<IActivityQueue>().EnqueueAsync(activity, null, TestContext.Current.CancellationToken);
            if (placement is not null)
            {
                await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
                await db.Activities.Where(a => a.Sequence == activity.Sequence)
                    .ExecuteUpdateAsync(set => set.SetProperty(a => EF.Property<string>(a, LeaseColumns.Placement), placement), TestContext.Current.CancellationToken);
            }

            return activity;
        }

        public async Task<int> RunningCountAsync(Guid environmentId)
        {
            await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
            return await db.Activities.CountAsync(a => a.EnvironmentId == environmentId && a.State == ActivityState.InProgress, TestContext.Current.CancellationToken);
        }

        public async Task CompleteAsync(Activity activity)
        {
            await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
            await db.Activities.Where(a => a.Sequence == activity.Sequence)
                .ExecuteUpdateAsync(set => set.SetProperty(a => a.State, ActivityState.Complete).SetProperty(a => a.Result, ActivityResult.Success), TestContext.Current.CancellationToken);
        }

        public async Task<string?> ClaimedByAsync(long sequence)
        {
            await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
            return await db.Activities.Where(a => a.Sequence == sequence).Select(a => EF.Property<string?>(a, LeaseColumns.ClaimedBy))
                .SingleAsync(TestContext.Current.CancellationToken);
        }

        private IDbContextFactory<PortalDbContext> Contexts => a.Get<IDbContextFactory<PortalDbContext>>();

        public async ValueTask DisposeAsync()
        {
            await b.DisposeAsync();
            await a.DisposeAsync();
            await database.DisposeAsync();
        }
    }
}
