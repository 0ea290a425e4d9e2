namespace Portal.Bench;

using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using Portal.Testing;

/// <summary>
/// Claim-to-start latency on 1, 2 and 3 real Portal processes (Release build) sharing one fresh PostgreSQL database and one
/// S3 store: tiny snapshots queued through the REST API at random moments across many environments, and for each the time
/// from when it could start to when Portal recorded its start, from the times Portal itself recorded.
/// </summary>
internal static class NodesBenchmark
{
    public const string ProjectId = "nodes";
    public const string Admin = "bench-admin";

    /// <summary>Activities:MaxParallelEnvironments, set explicitly to Portal's default so the analysis knows each node's slots.</summary>
    public const int SlotsPerNode = 2;

    public static async Task<int> RunAsync(NodesBenchOptions options, CancellationToken cancellationToken)
    {
        var postgres = BenchArguments.Server("POSTGRES");
        if (postgres is null)
        {
            Console.Error.WriteLine("The nodes benchmark needs PORTAL_BENCH_POSTGRES or PORTAL_TEST_POSTGRES (e.g. from `./build.sh servers`).");
            return 2;
        }

        if (!await PrivateS3rver.AvailableAsync(cancellationToken))
        {
            return 2;
        }

        var work = Path.Combine(options.WorkPath ?? Path.GetTempPath(), "portal-bench-nodes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            string version;
            await using (var probe = new PostgresBenchDatabase(postgres))
            {
                version = await probe.VersionAsync(cancellationToken);
            }

            await using var s3 = await PrivateS3rver.StartAsync(Path.Combine(work, "s3rver"), https: false, cancellationToken);
            var project = Shop(work, options.Environments);
            var runs = new List<NodesRun>();
            foreach (var nodes in options.Nodes)
            {
                foreach (var entry in nodes == 1 ? options.Entries.Take(1) : options.Entries)
                {
                    Console.WriteLine($"{nodes} node{(nodes == 1 ? "" : "s")}{(nodes == 1 ? "" : $", API calls to {Entry(entry)}")} ...");
                    runs.Add(await new NodesRunner(options, work, postgres, s3, project, nodes, entry, cancellationToken).RunAsync());
                }
            }

            var result = new NodesResult(options, version, runs);
            Report.Publish(NodesReport.Table(result), options.WriteDocs, options.DocsPath, path => NodesReport.WriteDocs(path, result),
                options.IsFullRun ? null : "labelled as not the default run");

            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>How the report names an entry: where the API calls went.</summary>
    public static string Entry(string entry) => entry == "one" ? "the first node only" : "every node in turn";

    /// <summary>Tiny environments (three small files each), declared as one project.</summary>
    private static ProjectDefinition Shop(string work, int environments)
    {
        var project = new ProjectDefinition { Id = ProjectId, Title = "Nodes benchmark", Admins = [Admin] };
        for (var e = 0; e < environments; e++)
        {
            var name = EnvironmentName(e);
            var media = Directory.CreateDirectory(Path.Combine(work, "shop", name, "media")).FullName;
            for (var i = 0; i < 3; i++)
            {
                File.WriteAllText(Path.Combine(media, $"file-{i}.txt"), new string('x', 1000 + i) + name);
            }

            project.Environments.Add(new EnvironmentDefinition
            {
                Name = name, Type = EnvironmentType.Development,
                Services = [new ServiceDefinition { Name = "media", Kind = ServiceKind.Mount, Location = media }],
            });
        }

        return project;
    }

    public static string EnvironmentName(int index) => $"env-{index:D2}";
}

/// <summary>One node count's run: the waits of its measured activities, which node ran how many, and the machine's load.</summary>
internal sealed record NodesRun(int Nodes, string Entry, IReadOnlyList<ClaimWait> Waits, IReadOnlyDictionary<string, int> RunBy, double Seconds, string LoadBefore, string LoadAfter);

internal sealed record NodesResult(NodesBenchOptions Options, string PostgresVersion, IReadOnlyList<NodesRun> Runs);

/// <summary>The nodes of one run: started on a fresh database and S3 prefix, warmed up, given the timed workload, read back.</summary>
internal sealed partial class NodesRunner(
    NodesBenchOptions options, string work, string postgres, PrivateS3rver s3, ProjectDefinition project, int count, string entry, CancellationToken cancellationToken)
{
    private static readonly TimeSpan CompletionTimeout = TimeSpan.FromMinutes(10);
    private readonly List<(string Id, string Environment)> _queued = [];
    private readonly List<PortalProcess> _nodes = [];
    private readonly List<PortalApiClient> _clients = [];

    public async Task<NodesRun> RunAsync()
    {
        await using var database = new PostgresBenchDatabase(postgres);
        await database.CreateAsync(cancellationToken);
        var folder = Path.Combine(work, $"{count}-{entry}");
        try
        {
            for (var k = 1; k <= count; k++)
            {
                var node = s3.Serve(new PortalProcess(Path.Combine(folder, $"node-{k}")), $"nodes-{count}-{entry}/");
                node.Settings["Database:Provider"] = "PostgreSQL";
                node.Settings["Database:ConnectionString"] = database.ConnectionString;
                node.Settings["Portal:Demo:Enabled"] = "false";
                node.Settings["Activities:NodeId"] = NodeId(k);
                node.Settings["Activities:MaxParallelEnvironments"] = NodesBenchmark.SlotsPerNode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                node.Settings["Activities:PollMilliseconds"] = options.PollMilliseconds?.ToString(System.Globalization.CultureInfo.InvariantCulture);
                node.Declare(project);
                _nodes.Add(node);
            }

            // The first node migrates the database alone; the others then start together.
            await _nodes[0].StartAsync(cancellationToken);
            await Task.WhenAll(_nodes.Skip(1).Select(n => n.StartAsync(cancellationToken)));
            foreach (var node in _nodes)
            {
                _clients.Add(await PortalApiClient.SignInAsync(node, NodesBenchmark.Admin, NodesBenchmark.ProjectId, cancellationToken));
            }

            // Untimed: two snapshots of every environment through every node, so each has compiled its claim and run paths.
            for (var round = 0; round < 2; round++)
            {
                for (var e = 0; e < options.Environments; e++)
                {
                    await QueueAsync(_clients[_queued.Count % count], e);
                }

                await WaitUntilCompleteAsync();
            }

            var warmUp = _queued.Count;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var loadBefore = Report.LoadAverage();
            var clock = Stopwatch.StartNew();
            var arrivals = ClaimLatency.Arrivals(options.Seed, options.Activities, options.Environments, options.GapMilliseconds);
            for (var i = 0; i < arrivals.Count; i++)
            {
                if (TimeSpan.FromMilliseconds(arrivals[i].OffsetMilliseconds) - clock.Elapsed is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                await QueueAsync(entry == "one" ? _clients[0] : _clients[i % count], arrivals[i].Environment);
            }

            await WaitUntilCompleteAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            var loadAfter = Report.LoadAverage();
            var recorded = await ReadBackAsync();
            var measured = _queued.Skip(warmUp).Select(q => q.Id).ToHashSet(StringComparer.Ordinal);
            var waits = ClaimLatency.Of(recorded, measured, [.. Enumerable.Range(1, count).Select(NodeId)], NodesBenchmark.SlotsPerNode);
            var runBy = recorded.Where(a => measured.Contains(a.Id)).GroupBy(a => a.Node).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
            var run = new NodesRun(count, entry, waits, runBy, seconds, loadBefore, loadAfter);
            Console.WriteLine($"  {NodesReport.Line(run)}");
            return run;
        }
        finally
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }

            foreach (var node in _nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static string NodeId(int k) => $"node-{k}";

    private async Task QueueAsync(PortalApiClient client, int environment)
    {
        var name = NodesBenchmark.EnvironmentName(environment);
        var activity = await client.QueueSnapshotAsync(name, cancellationToken);
        _queued.Add((activity.GetProperty("id").GetString()!, name));
    }

    /// <summary>Waits until the last activity queued in every environment is complete (they run first in, first out there).</summary>
    private async Task WaitUntilCompleteAsync()
    {
        var clock = Stopwatch.StartNew();
        var last = _queued.GroupBy(q => q.Environment).Select(g => g.Last().Id).ToList();
        while (last.Count > 0)
        {
            if (clock.Elapsed > CompletionTimeout)
            {
                throw new TimeoutException($"{last.Count} environments still had activities running after {CompletionTimeout.TotalMinutes:F0} minutes.");
            }

            await Task.Delay(200, cancellationToken);
            var states = await Task.WhenAll(last.Select(id => _clients[0].ActivityAsync(id, cancellationToken)));
            last = [.. last.Where((_, i) => states[i].GetProperty("state").GetString() != ActivityStates.Complete)];
        }
    }

    /// <summary>Every activity of the run through the API, in queue order, each with the node whose log says it ran it.</summary>
    private async Task<List<RecordedActivity>> ReadBackAsync()
    {
        var ranOn = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var attempt = 0; ranOn.Count < _queued.Count; attempt++)
        {
            // The line is logged right after the end is recorded; give a node's console a moment to write it.
            if (attempt == 50)
            {
                throw new InvalidOperationException($"No node's log says it ran {string.Join(", ", _queued.Select(q => q.Id).Where(id => !ranOn.ContainsKey(id)).Take(5))}.");
            }

            await Task.Delay(attempt == 0 ? 0 : 100, cancellationToken);
            for (var k = 0; k < count; k++)
            {
                foreach (Match ended in Ended().Matches(_nodes[k].Output))
                {
                    ranOn[ended.Groups["id"].Value] = NodeId(k + 1);
                }
            }
        }

        var recorded = new List<RecordedActivity>();
        foreach (var (id, environment) in _queued)
        {
            var activity = await _clients[0].ActivityAsync(id, cancellationToken);
            if (activity.GetProperty("result").GetString() != "success")
            {
                throw new InvalidOperationException($"Activity {id} on {environment} ended with {activity.GetProperty("result")}:\n{activity.GetProperty("log")}");
            }

            recorded.Add(new RecordedActivity(id, environment, ranOn[id], Time(activity, "created_at"), Time(activity, "started_at"), Time(activity, "completed_at")));
        }

        return recorded;
    }

    private static DateTimeOffset Time(JsonElement activity, string name) => activity.GetProperty(name).GetDateTimeOffset();

    [GeneratedRegex(@"Activity (?<id>\S+) \([a-z.]+\) on \S+ ended")]
    private static partial Regex Ended();
}
