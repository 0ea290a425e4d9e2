namespace Portal.Web.Tests.Support;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core;
using Portal.Infrastructure;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;
using Portal.Web.Identity;

/// <summary>The real application layer and infrastructure over a temp data folder with SQLite and the demo seed; no hosted services run.</summary>
public static class PortalTestServices
{
    public static IServiceCollection AddPortalForTests(this IServiceCollection services, string dataPath)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Portal:DataPath"] = dataPath,
            ["Portal:Demo:Enabled"] = "true",
            ["Portal:Demo:MediaFiles"] = "5",
        }).Build();
        services.AddLogging();
        services.AddPortalCore(configuration).AddPortalInfrastructure(configuration);
        services.AddHttpContextAccessor();
        services.AddScoped<CurrentActor>();
        return services;
    }

    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? _template;

    /// <summary>
    /// A data folder with the migrated, seeded demo: seeded once per test run into a template, then copied per test
    /// (the copy keeps the template's absolute service paths, which component tests never touch).
    /// </summary>
    public static async Task CreateSeededDataFolderAsync(string dataPath, CancellationToken cancellationToken)
    {
        await TemplateGate.WaitAsync(cancellationToken);
        try
        {
            if (_template is null)
            {
                var template = Path.Combine(Path.GetTempPath(), "portal-web-tests-template-" + Guid.NewGuid().ToString("N"));
                var services = new ServiceCollection().AddPortalForTests(template).BuildServiceProvider();
                await using (services)
                {
                    await services.MigrateAndSeedAsync(cancellationToken);
                }

                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                _template = template;
            }
        }
        finally
        {
            TemplateGate.Release();
        }

        Copy(_template, dataPath);
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>What DatabaseInitializer does at start: the migrations, then the demo project with its data on disk.</summary>
    public static async Task MigrateAndSeedAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await db.Database.MigrateAsync(cancellationToken);
        }

        await services.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
    }
}
