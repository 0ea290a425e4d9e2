namespace Portal.Infrastructure.Tests.Schedules;

using Portal.Core.Common;
using Portal.Core.Schedules;
using Portal.Infrastructure.Tests.Support;

/// <summary>Issue #16 item 1, "schedules can also be declared in configuration": applied at every start, shown, and changed only there.</summary>
public sealed class DeclaredScheduleTests
{
    private static readonly Actor Dana = new(DeclaredShop.Admin, "Dana");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ADeclaredScheduleIsShownInTheProjectsZoneCannotBeChangedInThePaneAndGoesWhenNoLongerDeclared(string provider)
    {
        using var shop = new DeclaredShop();
        var master = shop.Environment("master");
        master.Schedule = new Portal.Infrastructure.Environments.ScheduleDefinition { Cron = "0 3 * * *", Live = true };
        var declared = shop.Project(master);
        declared.TimeZone = "America/New_York";
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var host = await PortalTestHost.StartAsync(database, dataPath: shop.DataPath, settings: DeclaredShop.Settings(declared)))
        {
            var view = await host.InScopeAsync<ScheduleService, ScheduleView>(s => s.GetAsync(Dana, "shop", "master", Cancel));
            Assert.Equal(("0 3 * * *", true, true, "America/New_York"), (view.Schedule!.Cron, view.Schedule.Live, view.Schedule.Declared, view.TimeZone.Id));
            // 03:00 in New York is 07:00 or 08:00 UTC, with or without daylight saving time.
            Assert.All(view.NextRuns, r => Assert.InRange(r.UtcDateTime.Hour, 7, 8));
            Assert.Equal("The schedule of master is declared in Portal's configuration; change it there.", view.CannotEdit?.Message);
            var refused = await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<ScheduleService, ScheduleView>(s => s.SetAsync(Dana, "shop", "master", "0 4 * * *", false, Cancel)));
            Assert.Equal(RefusalCode.ScheduleDeclared, refused.Refusal.Code);
            await Assert.ThrowsAsync<PortalRefusedException>(() => host.InScopeAsync<ScheduleService, ScheduleView>(s => s.RemoveAsync(Dana, "shop", "master", Cancel)));
        }

        // The next start without the declaration: the schedule is gone, and the admins may set their own.
        master.Schedule = null;
        await using (var host = await PortalTestHost.StartAsync(database, dataPath: shop.DataPath, settings: DeclaredShop.Settings(shop.Project(master))))
        {
            var view = await host.InScopeAsync<ScheduleService, ScheduleView>(s => s.GetAsync(Dana, "shop", "master", Cancel));
            Assert.Null(view.Schedule);
            Assert.Null(view.CannotEdit);
            Assert.Equal("UTC", view.TimeZone.Id);
        }
    }
}
