namespace Portal.Infrastructure.Tests.Persistence;

using Microsoft.EntityFrameworkCore;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tests.Support;

public sealed class MigrationTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task BothProvidersMigrateAnEmptyDatabaseToTheWholeModel(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;

        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(ct));
        Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync(ct));
        Assert.False(db.Database.HasPendingModelChanges(), "the model has changes no migration captures");
        Assert.Equal(7, await db.Environments.CountAsync(ct));
        Assert.True(await db.Activities.CountAsync(ct) > 20);
    }

    [Fact]
    public async Task StartingTwiceNeitherMigratesNorSeedsAgain()
    {
        await using var first = await PortalTestHost.StartAsync(mediaFiles: 1);
        var ct = TestContext.Current.CancellationToken;
        int activities;
        await using (var db = await first.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct))
        {
            activities = await db.Activities.CountAsync(ct);
        }

        await using var second = await PortalTestHost.StartAsync(dataPath: first.DataPath, mediaFiles: 1);
        await using var again = await second.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        Assert.Equal(activities, await again.Activities.CountAsync(ct));
        Assert.Single(await again.Projects.ToListAsync(ct));
    }
}
