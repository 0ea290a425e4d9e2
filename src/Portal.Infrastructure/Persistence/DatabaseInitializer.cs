namespace Portal.Infrastructure.Persistence;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Environments;

/// <summary>Applies migrations and seeds the demo before the worker and the web server start.</summary>
internal sealed class DatabaseInitializer(
    IDbContextFactory<PortalDbContext> contexts,
    DemoSeeder demo,
    OwnerOnlyFiles ownerOnly,
    ConfiguredProjectsSync declared,
    IOptions<PortalOptions> options,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ownerOnly.Apply();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await db.Database.MigrateAsync(cancellationToken);
            if (db.Database.IsSqlite())
            {
                // WAL lets the pane read the feed while the worker writes progress.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
        }

        await declared.ApplyAsync(cancellationToken);
        if (options.Value.Demo.Enabled)
        {
            await demo.SeedAsync(cancellationToken);
        }

        logger.LogInformation("Portal data folder: {DataPath}", options.Value.ResolvedDataPath);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
