using System.Globalization;
using Portal.Bench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (args is ["engine", ..])
{
    return Parse(() => EngineBenchOptions.Parse(args), EngineBenchOptions.Usage) is { } engineOptions
        ? await EngineBenchmark.RunAsync(engineOptions, cancel.Token)
        : 2;
}

if (args is ["product", ..])
{
    return Parse(() => ProductBenchOptions.Parse(args), ProductBenchOptions.Usage) is { } productOptions
        ? await ProductBenchmark.RunAsync(productOptions, cancel.Token)
        : 2;
}

if (args is ["nodes", ..])
{
    return Parse(() => NodesBenchOptions.Parse(args), NodesBenchOptions.Usage) is { } nodesOptions
        ? await NodesBenchmark.RunAsync(nodesOptions, cancel.Token)
        : 2;
}

if (args is ["stores", ..])
{
    return Parse(() => StoresBenchOptions.Parse(args), StoresBenchOptions.Usage) is { } storesOptions
        ? await StoresBenchmark.RunAsync(storesOptions, cancel.Token)
        : 2;
}

if (Parse(() => BenchOptions.Parse(args), BenchOptions.Usage) is not { } options)
{
    return 2;
}

var postgres = Environment.GetEnvironmentVariable("PORTAL_BENCH_POSTGRES") is { Length: > 0 } bench
    ? bench
    : Environment.GetEnvironmentVariable("PORTAL_TEST_POSTGRES");
if (options.Providers.Contains("postgresql") && string.IsNullOrWhiteSpace(postgres))
{
    Console.Error.WriteLine("PostgreSQL needs PORTAL_BENCH_POSTGRES or PORTAL_TEST_POSTGRES (e.g. from `./build.sh servers`), or use --provider sqlite.");
    return 2;
}

var results = new List<ProviderResult>();
foreach (var provider in options.Providers)
{
    await using IBenchDatabase database = provider == "sqlite" ? new SqliteBenchDatabase() : new PostgresBenchDatabase(postgres!);
    results.Add(await FeedBenchmark.RunAsync(database, options, cancel.Token));
}

Console.WriteLine();
Console.Write(Report.Table(results));
foreach (var result in results)
{
    Console.WriteLine();
    Console.WriteLine($"{result.Name} feed SQL ({result.FeedCommand.Describe()}):");
    Console.WriteLine(result.FeedCommand.Sql.Trim());
    Console.WriteLine($"{result.Name} plan:");
    foreach (var line in result.FeedPlan)
    {
        Console.WriteLine("  " + line);
    }

    Console.WriteLine($"{result.Name} load average: {result.LoadAverage}");
}

// Only the full-size run with both providers replaces the published figures, unless a path is given explicitly.
var fullRun = options.Activities == 1_000_000 && options.Environments == 200 && results.Count == 2;
if (options.WriteDocs && (fullRun || options.DocsPath is not null))
{
    var path = options.DocsPath ?? Path.Combine(RepositoryRoot(), "docs", "benchmarks.md");
    Report.WriteDocs(path, Report.Markdown(results, options));
    Console.WriteLine();
    Console.WriteLine($"Updated {path}");
}
else if (options.WriteDocs)
{
    Console.WriteLine();
    Console.WriteLine("docs/benchmarks.md not updated: not the full run (1,000,000 activities, 200 environments, both providers); pass --docs PATH to write anyway.");
}

return 0;

static string RepositoryRoot()
{
    for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
    {
        if (File.Exists(Path.Combine(folder.FullName, "Portal.sln")))
        {
            return folder.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository, or pass --docs PATH.");
}

static T? Parse<T>(Func<T> parse, string usage)
    where T : class
{
    try
    {
        return parse();
    }
    catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
    {
        Console.Error.WriteLine(e.Message);
        Console.Error.WriteLine(usage);
        return null;
    }
}
