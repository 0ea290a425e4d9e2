namespace Portal.Bench;

using System.Diagnostics;
using System.Text.Json;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using Portal.Testing;
using static Portal.Bench.Shell;

/// <summary>One timed run of one side: wall seconds, the CPU-seconds of Portal or restic, and of the s3rver it talked to (NaN for none).</summary>
internal sealed record StoreSample(double Seconds, double CpuSeconds, double ServerCpuSeconds);

/// <summary>
/// Snapshot and restore throughput of Portal's S3 store against its filesystem store on the same data, through the REST API of
/// real Portal processes (Release build), next to restic with an S3 repository on the same kind of server; the page cache
/// dropped before every timed run, the sides taking turns in a rotating order, fresh stores and repositories each round.
/// </summary>
internal static class StoresBenchmark
{
    public static async Task<int> RunAsync(StoresBenchOptions options, CancellationToken cancellationToken)
    {
        if (!await BenchArguments.ToolsAsync(["restic", "sync"], "restic coreutils", cancellationToken) || !await PrivateS3rver.AvailableAsync(cancellationToken))
        {
            return 2;
        }

        var restic = (await RunForOutputAsync("restic version", null, cancellationToken)).Output.Trim();
        if (!restic.StartsWith("restic 0.14.", StringComparison.Ordinal))
        {
            Console.WriteLine($"Note: {restic}, not the 0.14 the issue names (Debian 12: apt-get install -y restic).");
        }

        var work = Path.Combine(options.WorkPath ?? Path.GetTempPath(), "portal-bench-stores-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            StoresResult result;
            await using (var http = await PrivateS3rver.StartAsync(Path.Combine(work, "s3rver-http"), https: false, cancellationToken))
            await using (var https = await PrivateS3rver.StartAsync(Path.Combine(work, "s3rver-https"), https: true, cancellationToken))
            {
                result = await new StoresRunner(options, work, http, https, restic, cancellationToken).RunAsync();
            }

            Report.Publish(StoresReport.Table(result), options.WriteDocs, options.DocsPath, path => StoresReport.WriteDocs(path, result), options.NotFullRun);

            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}

/// <summary>What a stores run measured, for the report.</summary>
internal sealed record StoresResult(
    StoresBenchOptions Options, bool ColdCache, string Restic, DataShape Shape, int FileCount, long FileBytes,
    IReadOnlyDictionary<(string Side, string Operation), List<StoreSample>> Samples, IReadOnlyDictionary<string, long> StoredBytes,
    string LoadBefore, string LoadAfter);

/// <summary>The rounds of one stores run.</summary>
internal sealed class StoresRunner(StoresBenchOptions options, string work, PrivateS3rver http, PrivateS3rver https, string restic, CancellationToken cancellationToken)
{
    public const string Filesystem = "Portal, filesystem store";
    public const string S3 = "Portal, S3 store (http)";
    public const string S3Tls = "Portal, S3 store (https)";
    public const string Restic = "restic, S3 repository (https)";
    public const string Snapshot = "snapshot";
    public const string Restore = "restore";
    private const string ProjectId = "stores";
    private const string Admin = "bench-admin";

    /// <summary>The sides in the first round's order; each later round starts one further along.</summary>
    public static readonly string[] Sides = [Restic, Filesystem, S3, S3Tls];

    private readonly Dictionary<(string, string), List<StoreSample>> _samples = [];
    private readonly Dictionary<string, long> _stored = [];
    private readonly DataShape _shape = DataShape.Stores(options);
    private bool _cold = true;
    private readonly TreeRemovals _removals = new(cancellationToken);
    private string _expected = "";

    private string Files => Path.Combine(work, "data", "files");

    private string WarmUpFiles => Path.Combine(work, "data", "warm-up");

    public async Task<StoresResult> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Generating the mount in {work} (scale {options.Scale}, seed {options.Seed}) ...");
        var (files, bytes) = new EngineDataSet(_shape).WriteFiles(Files);
        // As large as the timed mount, with other content: a warm-up of 80 files left ~1,100 methods (the S3 client's, the pack
        // code's, the capture's) to be compiled optimised during the timed snapshot itself, ~1 CPU-s that a Portal in service
        // has long spent.
        new EngineDataSet(_shape with { Seed = _shape.Seed + 1 }).WriteFiles(WarmUpFiles);
        _expected = EngineDataSet.Fingerprint(Files);
        Console.WriteLine($"  {files:N0} files, {bytes / 1e6:N0} MB ({clock.Elapsed.TotalSeconds:F0} s); {restic}; s3rver over http at {http.ServiceUrl}, over https at {https.ServiceUrl}");
        var loadBefore = await options.RunRoundsAsync(clock, RoundAsync, () => _cold);

        return new StoresResult(options, _cold, restic, _shape, files, bytes, _samples.ToDictionary(s => s.Key, s => s.Value), _stored, loadBefore, Report.LoadAverage());
    }

    private async Task RoundAsync(int round)
    {
        // Fresh Portals (empty stores: each snapshot is a first one, as restic's into a new repository) with their clients.
        var portals = new Dictionary<string, (PortalProcess Process, PortalApiClient Api)>();
        try
        {
            foreach (var (side, server) in new[] { (Filesystem, (PrivateS3rver?)null), (S3, http), (S3Tls, https) })
            {
                var portal = new PortalProcess(Path.Combine(work, $"portal-{round}-{portals.Count}"));
                server?.Serve(portal, $"round-{round}/");
                portal.Settings["Portal:Demo:Enabled"] = "false";
                portal.Declare(Project());
                await portal.StartAsync(cancellationToken);
                var api = await PortalApiClient.SignInAsync(portal, Admin, ProjectId, cancellationToken);
                portals[side] = (portal, api);
                await api.WarmUpAsync("warm-up", cancellationToken);
                await _removals.PortalRemovedAsync(portal);
            }

            var repository = $"s3:{https.ServiceUrl}/{PrivateS3rver.Bucket}/restic-{round}";
            var resticEnvironment = new Dictionary<string, string>(PrivateS3rver.Credentials)
            {
                ["RESTIC_REPOSITORY"] = repository,
                ["RESTIC_PASSWORD"] = "portal-bench",
                ["RESTIC_CACHE_DIR"] = Path.Combine(work, $"restic-cache-{round}"),
            };
            // restic 0.14 takes the certificate to trust only as an option (RESTIC_CACERT came later).
            var resticCommand = $"restic --cacert {Q(https.CertificatePath!)}";
            await Shell.RunAsync($"{resticCommand} init --quiet", resticEnvironment, cancellationToken);

            var order = Sides.Skip(round % Sides.Length).Concat(Sides.Take(round % Sides.Length)).ToList();
            var snapshots = new Dictionary<string, string>();
            foreach (var side in order)
            {
                if (side == Restic)
                {
                    await ToolAsync(Snapshot, $"{resticCommand} backup --quiet {Q(Files)}", resticEnvironment, https);
                }
                else
                {
                    var (_, api) = portals[side];
                    var run = await PortalAsync(side, Snapshot, () => api.SnapshotAsync(Snapshot, "files", cancellationToken));
                    snapshots[side] = run.SnapshotId!;
                    _stored[side] = (await api.SnapshotSizeAsync("files", run.SnapshotId!, cancellationToken)).Stored;
                }
            }

            var stats = await RunForOutputAsync($"{resticCommand} stats --quiet --mode raw-data --json latest", resticEnvironment, cancellationToken);
            _stored[Restic] = JsonDocument.Parse(stats.Output).RootElement.GetProperty("total_size").GetInt64();

            foreach (var side in order)
            {
                await _removals.QuietAsync();
                if (side == Restic)
                {
                    var target = Path.Combine(work, $"restic-restore-{round}");
                    await ToolAsync(Restore, $"{resticCommand} restore latest --quiet --target {Q(target)} && sync -f {Q(target)}", resticEnvironment, https);
                    // restic puts the folder back under its absolute path below the target.
                    Check(Restic, Path.Combine(target, Files.TrimStart('/')));
                    Directory.Delete(target, recursive: true);
                    _removals.Removed();
                }
                else
                {
                    var (portal, api) = portals[side];
                    await PortalAsync(side, Restore, () => api.RestoreAsync(Restore, "files", snapshots[side], cancellationToken));
                    await _removals.PortalRemovedAsync(portal);
                    Check(side, Files);
                }
            }
        }
        finally
        {
            foreach (var (process, api) in portals.Values)
            {
                api.Dispose();
                await process.DisposeAsync();
            }
        }
    }

    private ProjectDefinition Project()
    {
        EnvironmentDefinition Environment(string name, string folder) => new()
        {
            Name = name, Title = name, Type = EnvironmentType.Development,
            Services = [new ServiceDefinition { Name = "files", Kind = ServiceKind.Mount, Location = folder }],
        };
        return new ProjectDefinition { Id = ProjectId, Title = "Stores benchmark", Admins = [Admin], Environments = [Environment("files", Files), Environment("warm-up", WarmUpFiles)] };
    }

    private async Task ToolAsync(string operation, string script, IReadOnlyDictionary<string, string> environment, PrivateS3rver server)
    {
        _cold &= ProcessCpu.DropPageCache();
        var serverCpu = server.CpuSeconds;
        var (seconds, cpu) = await TimeAsync(script, environment, cancellationToken);
        Add(Restic, operation, new StoreSample(seconds, cpu, server.CpuSeconds - serverCpu));
    }

    private async Task<ActivityRun> PortalAsync(string side, string operation, Func<Task<ActivityRun>> run)
    {
        var server = side == S3 ? http : side == S3Tls ? https : null;
        _cold &= ProcessCpu.DropPageCache();
        var serverCpu = server?.CpuSeconds ?? double.NaN;
        var activity = await run();
        Add(side, operation, new StoreSample(activity.Seconds, activity.CpuSeconds, (server?.CpuSeconds ?? double.NaN) - serverCpu));
        return activity;
    }

    private void Add(string side, string operation, StoreSample sample)
    {
        if (!_samples.TryGetValue((side, operation), out var list))
        {
            _samples[(side, operation)] = list = [];
        }

        list.Add(sample);
        Console.WriteLine($"  {side,-30} {operation,-8} {sample.Seconds,7:F2} s  {sample.CpuSeconds,6:F2} CPU-s  s3rver {sample.ServerCpuSeconds,6:F2} CPU-s");
    }

    private void Check(string side, string tree)
    {
        if (EngineDataSet.Fingerprint(tree) != _expected)
        {
            throw new InvalidOperationException($"{side}: the restored tree {tree} differs from the one generated.");
        }
    }
}
