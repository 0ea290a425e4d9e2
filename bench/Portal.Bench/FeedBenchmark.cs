namespace Portal.Bench;

using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Projects;
using Portal.Infrastructure;
using Portal.Infrastructure.Persistence;

internal sealed record ProviderResult(
    string Name,
    string Version,
    string Location,
    TimeSpan Migrate,
    TimeSpan Seed,
    LoadResult Load,
    IReadOnlyList<Stats> Stats,
    CapturedCommand FeedCommand,
    IReadOnlyList<string> FeedPlan,
    string LoadAverage);

/// <summary>
/// Fills a fresh database through the real migrations and entities, then times <c>ActivityRepository.ListAsync</c> — the
/// feed query with keyset paging — through the pooled context factory that <c>AddPortalInfrastructure</c> registers.
/// </summary>
internal static class FeedBenchmark
{
    public const string ProjectId = "bench-shop";
    public const string FilteredPage1 = "snapshot, page 1";
    public const string UnfilteredPage1 = "all types, page 1";
    public const string FilteredPage2 = "snapshot, page 2 (cursor)";
    public const string RawFilteredPage1 = "snapshot, page 1, same SQL on raw ADO.NET";

    public static async Task<ProviderResult> RunAsync(IBenchDatabase database, BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine($"== {database.Name}");
        var version = await database.VersionAsync(cancellationToken);
        await database.CreateAsync(cancellationToken);
        Console.WriteLine($"   {version}; database {database.Location}");

        await using var services = BuildServices(database);
        var contexts = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var repository = services.GetRequiredService<IActivityRepository>();

        // Schema exactly as DatabaseInitializer applies it.
        var started = Stopwatch.GetTimestamp();
        ActivityColumns columns;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await db.Database.MigrateAsync(cancellationToken);
            if (db.Database.IsSqlite())
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }

            columns = new ActivityColumns(db);
        }

        var migrate = Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"   migrations applied in {Seconds(migrate)}");

        var end = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var generator = new ActivityGenerator(options.Activities, EnvironmentNames(options.Environments), end, options.Seed);
        started = Stopwatch.GetTimestamp();
        var environments = await SeedProjectAsync(contexts, generator, cancellationToken);
        var seed = Stopwatch.GetElapsedTime(started);

        Console.WriteLine($"   loading {options.Activities:N0} activities over {options.Environments} environments...");
        var load = await database.BulkLoadAsync(columns, generator, ProjectId, cancellationToken);
        Console.WriteLine($"   loaded in {Seconds(load.Rows)} ({options.Activities / load.Rows.TotalSeconds:N0} rows/s), "
            + $"statistics in {Seconds(load.Analyze)}, {load.SizeBytes / 1024.0 / 1024.0:N0} MiB");

        // The SQL the app sends, captured on one real call, then explained with the same parameters.
        CapturedCommand feed;
        using (var capture = new CommandCapture())
        {
            var page = await repository.ListAsync(Query(environments[0].Name, snapshotOnly: true), cancellationToken);
            if (page.Items.Count == 0)
            {
                throw new InvalidOperationException("The filtered feed came back empty: the load and the model disagree.");
            }

            feed = capture.Commands.Last(c => c.Sql.Contains(columns.Table, StringComparison.Ordinal));
            if (capture.Commands.Count(c => c.Sql.Contains(columns.Table, StringComparison.Ordinal)) != 1)
            {
                throw new InvalidOperationException("A feed page took more than one query; the benchmark assumes one round trip.");
            }
        }

        var feedPlan = await database.ExplainAsync(feed, cancellationToken);

        // One cursor per environment: the end of its first snapshot page.
        var cursors = new Dictionary<string, ActivityCursor>(StringComparer.Ordinal);
        foreach (var environment in environments)
        {
            var page = await repository.ListAsync(Query(environment.Name, snapshotOnly: true), cancellationToken);
            Check(page, environment.Name, ActivityTypes.Snapshot);
            cursors[environment.Name] = page.Next!.Value;
        }

        var shapes = new (string Name, Func<string, ActivityQuery> Query, string? Type)[]
        {
            (FilteredPage1, name => Query(name, snapshotOnly: true), ActivityTypes.Snapshot),
            (UnfilteredPage1, name => Query(name, snapshotOnly: false), null),
            (FilteredPage2, name => Query(name, snapshotOnly: true) with { After = cursors[name] }, ActivityTypes.Snapshot),
        };

        foreach (var (_, query, type) in shapes)
        {
            var random = new Random(options.Seed);
            for (var i = 0; i < options.Warmup; i++)
            {
                var name = environments[random.Next(environments.Count)].Name;
                Check(await repository.ListAsync(query(name), cancellationToken), name, type);
            }
        }

        var loadBefore = LoadAverage();
        var stats = new List<Stats>();
        foreach (var (name, query, type) in shapes)
        {
            var random = new Random(options.Seed + 1);
            var samples = new double[options.Iterations];
            GC.Collect();
            GC.WaitForPendingFinalizers();
            for (var i = 0; i < options.Iterations; i++)
            {
                var environment = environments[random.Next(environments.Count)].Name;
                var activityQuery = query(environment);
                var callStarted = Stopwatch.GetTimestamp();
                var page = await repository.ListAsync(activityQuery, cancellationToken);
                samples[i] = Stopwatch.GetElapsedTime(callStarted).TotalMilliseconds;
                Check(page, environment, type);
            }

            stats.Add(Stats.Of(name, samples));
        }

        // The same feed SQL without EF or the pool: separates database time from the app path.
        {
            var random = new Random(options.Seed + 1);
            string Next() => environments[random.Next(environments.Count)].Name;
            await database.RunRawAsync(feed, environments[0].Name, Next, options.Warmup, cancellationToken);
            GC.Collect();
            stats.Add(Stats.Of(RawFilteredPage1, await database.RunRawAsync(feed, environments[0].Name, Next, options.Iterations, cancellationToken)));
        }

        return new ProviderResult(database.Name, version, database.Location, migrate, seed, load, stats, feed, feedPlan,
            $"{loadBefore} before, {LoadAverage()} after the timed calls");
    }

    private static ServiceProvider BuildServices(IBenchDatabase database)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = database.Provider.ToString(),
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Portal:DataPath"] = Path.Combine(Path.GetTempPath(), "portal-bench-data"),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddPortalInfrastructure(configuration);
        return services.BuildServiceProvider();
    }

    private static ActivityQuery Query(string environment, bool snapshotOnly) => new()
    {
        ProjectId = ProjectId,
        EnvironmentName = environment,
        Types = snapshotOnly ? [ActivityTypes.Snapshot] : [],
        PageSize = 20,
    };

    private static void Check(ActivityPage page, string environment, string? type)
    {
        if (page.Items.Count != 20 || page.Next is null
            || page.Items.Any(a => a.EnvironmentName != environment || (type is not null && a.Type != type)))
        {
            throw new InvalidOperationException($"Unexpected page for {environment}: {page.Items.Count} items.");
        }
    }

    // main, staging, then feature branches; names of realistic length so texts come out at ~60 characters.
    private static readonly string[] FirstEnvironments = ["main", "staging"];

    private static List<string> EnvironmentNames(int count) =>
    [
        .. FirstEnvironments.Take(count),
        .. Enumerable.Range(1, Math.Max(0, count - 2)).Select(i => string.Create(CultureInfo.InvariantCulture, $"feature-{i:D4}-checkout")),
    ];

    private static async Task<IReadOnlyList<ProjectEnvironment>> SeedProjectAsync(
        Microsoft.EntityFrameworkCore.IDbContextFactory<PortalDbContext> contexts, ActivityGenerator generator, CancellationToken cancellationToken)
    {
        var project = new Project { Id = ProjectId, Title = "Benchmark shop", CreatedAt = generator.Start.AddDays(-30) };
        project.Environments.AddRange(generator.EnvironmentNames.Select((name, i) => new ProjectEnvironment
        {
            ProjectId = ProjectId,
            Name = name,
            Title = name,
            ParentName = i == 0 ? null : "main",
            Type = i switch { 0 => EnvironmentType.Production, 1 => EnvironmentType.Staging, _ => EnvironmentType.Development },
            Plan = i == 0 ? EnvironmentPlan.Pro : EnvironmentPlan.Starter,
            CreatedAt = generator.Start.AddDays(-30 + (i % 30)),
        }));

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Projects.Add(project);
        await db.SaveChangesAsync(cancellationToken);
        return project.Environments;
    }

    // The 1-minute load average: on a shared 2-core machine other work inflates the tail, and the report should say so.
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds:N1} s";
}
